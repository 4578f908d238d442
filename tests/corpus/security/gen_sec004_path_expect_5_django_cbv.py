# expect: SEC004
"""Serve stored files (django cbv)."""
from django.http import JsonResponse
from django.views import View


class ReportView(View):
    def post(self, request):
        report = request.POST.get("report", "")
        with open("/var/data/" + report, "rb") as fh:
            data = fh.read()
        print(len(data))
        return JsonResponse({"ok": True})
