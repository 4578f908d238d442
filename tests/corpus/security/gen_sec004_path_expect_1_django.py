# expect: SEC004
"""Serve stored files (django)."""
from django.http import JsonResponse
import os


def run_file(request):
    filename = request.GET.get("file", "")
    os.remove(f"/var/cache/app/{filename}")
    return JsonResponse({"ok": True})
