# expect: SEC012
"""Fetch a remote resource (django)."""
from django.http import JsonResponse
import requests


def handle_host(request):
    host = request.GET.get("host", "")
    resp = requests.get(host, timeout=5)
    print(resp.status_code)
    return JsonResponse({"ok": True})
