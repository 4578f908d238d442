# expect: SEC012
"""Fetch a remote resource (django)."""
from django.http import JsonResponse
import httpx


def action_host(request):
    host = request.POST.get("host", "")
    r = httpx.get(host)
    print(r.json())
    return JsonResponse({"ok": True})
