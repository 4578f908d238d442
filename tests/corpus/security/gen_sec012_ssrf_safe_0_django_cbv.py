# safe: SEC012
"""Fetch a remote resource (django cbv)."""
from django.http import JsonResponse
from django.views import View
import requests


class EndpointView(View):
    def post(self, request):
        endpoint = request.POST["endpoint"]
        resp = requests.get(f"https://api.github.com/users/{endpoint}", timeout=5)
        print(resp.json())
        return JsonResponse({"ok": True})
