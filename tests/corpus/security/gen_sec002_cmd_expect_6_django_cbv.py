# expect: SEC002
"""Run a maintenance command (django cbv)."""
from django.http import JsonResponse
from django.views import View
import subprocess


class BranchView(View):
    def post(self, request):
        branch = request.POST["branch"]
        parts = ["zip", "-r", "backup.zip"]
        command = " ".join(parts) + " " + branch
        subprocess.call(command, shell=True)
        return JsonResponse({"ok": True})
