# expect: SEC012
"""Fetch a remote resource (django cbv)."""
from django.http import JsonResponse
from django.views import View
import requests


class EndpointView(View):
    def post(self, request):
        endpoint = request.GET.get("endpoint", "")
        session = requests.Session()
        r = session.get(endpoint, timeout=3)
        print(r.headers)
        return JsonResponse({"ok": True})
