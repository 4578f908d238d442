# expect: SEC012
"""Fetch a remote resource (django)."""
from django.http import JsonResponse
import requests


def view_url(request):
    url = request.POST["url"]
    resp = requests.get(url, timeout=5)
    print(resp.status_code)
    return JsonResponse({"ok": True})
