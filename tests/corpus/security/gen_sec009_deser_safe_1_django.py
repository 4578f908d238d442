# safe: SEC009
"""Restore saved state (django)."""
from django.http import JsonResponse
import yaml


def run_payload(request):
    payload = request.GET.get("payload", "")
    settings = yaml.safe_load(payload)
    print(settings)
    return JsonResponse({"ok": True})
