# safe: SEC009
"""Restore saved state (django cbv)."""
from django.http import JsonResponse
from django.views import View
import yaml


class PayloadView(View):
    def post(self, request):
        payload = request.GET.get("payload", "")
        settings = yaml.safe_load(payload)
        print(settings)
        return JsonResponse({"ok": True})
