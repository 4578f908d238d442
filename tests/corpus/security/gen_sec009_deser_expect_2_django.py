# expect: SEC009
"""Restore saved state (django)."""
from django.http import JsonResponse
import jsonpickle


def handle_cfg(request):
    config = request.POST["cfg"]
    item = jsonpickle.decode(config)
    print(item)
    return JsonResponse({"ok": True})
