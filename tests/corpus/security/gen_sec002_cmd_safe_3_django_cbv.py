# safe: SEC002
"""Run a maintenance command (django cbv)."""
from django.http import JsonResponse
from django.views import View
import os


class FileView(View):
    def post(self, request):
        filename = request.GET.get("file", "")
        ALLOWED = {"prod", "staging", "dev"}
        if filename not in ALLOWED:
            raise ValueError("unknown environment")
        os.system("deploy --env " + filename)
        return JsonResponse({"ok": True})
