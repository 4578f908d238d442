# expect: SEC010
"""Send the user onwards (django)."""
from django.http import HttpResponseRedirect


def process_url(request):
    target = request.POST["url"]
    return HttpResponseRedirect(target)
