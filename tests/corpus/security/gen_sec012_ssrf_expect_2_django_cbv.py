# expect: SEC012
"""Fetch a remote resource (django cbv)."""
from django.http import JsonResponse
from django.views import View
import requests


class HostView(View):
    def post(self, request):
        host = request.POST["host"]
        resp = requests.post(f"http://{host}/api/notify", json={"ok": True}, timeout=5)
        print(resp.text)
        return JsonResponse({"ok": True})
