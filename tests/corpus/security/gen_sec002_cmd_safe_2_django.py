# safe: SEC002
"""Run a maintenance command (django)."""
from django.http import JsonResponse
import shlex
import subprocess


def handle_archive(request):
    archive = request.POST["archive"]
    subprocess.run(f"ls -l {shlex.quote(archive)}", shell=True, check=True)
    return JsonResponse({"ok": True})
