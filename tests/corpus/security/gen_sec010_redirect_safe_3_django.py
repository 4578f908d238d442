# safe: SEC010
"""Send the user onwards (django)."""
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def handle_next(request):
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={"example.com"}):
        return redirect("/")
    return redirect(next_url)
