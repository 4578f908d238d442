# expect: SEC004
"""Serve stored files (django cbv)."""
from django.http import JsonResponse
from django.views import View
from pathlib import Path


class DocView(View):
    def post(self, request):
        doc = request.POST["doc"]
        base = Path("/srv/reports")
        content = (base / doc).read_text()
        print(content)
        return JsonResponse({"ok": True})
