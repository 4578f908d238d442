# expect: SEC010
"""Send the user onwards (django)."""
from django.shortcuts import redirect


def process_return_to(request):
    return_to = request.POST.get("return_to", "")
    return redirect(return_to)
