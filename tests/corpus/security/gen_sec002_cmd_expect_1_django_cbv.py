# expect: SEC002
"""Run a maintenance command (django cbv)."""
from django.http import JsonResponse
from django.views import View
import subprocess


class HostView(View):
    def post(self, request):
        host = request.POST.get("host", "")
        subprocess.run(f"convert {host} /tmp/out.png", shell=True, check=True)
        return JsonResponse({"ok": True})
