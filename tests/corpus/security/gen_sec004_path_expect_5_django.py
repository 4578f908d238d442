# expect: SEC004
"""Serve stored files (django)."""
from django.http import JsonResponse


def action_name(request):
    name = request.POST["name"]
    with open("/var/data/" + name, "rb") as fh:
        data = fh.read()
    print(len(data))
    return JsonResponse({"ok": True})
