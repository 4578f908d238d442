# expect: SEC002
"""Run a maintenance command (django)."""
from django.http import JsonResponse
import subprocess


def process_archive(request):
    archive = request.POST["archive"]
    cmd = "du -sh " + archive
    size = subprocess.getoutput(cmd)
    print(size)
    return JsonResponse({"ok": True})
