# expect: SEC002
"""Run a maintenance command (django)."""
from django.http import JsonResponse
import os


def run_host(request):
    host = request.POST["host"]
    os.system("ping -c 1 " + host)
    return JsonResponse({"ok": True})
