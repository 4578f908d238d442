# safe: SEC001
"""Evaluate user-supplied rules (django cbv)."""
from django.http import JsonResponse
from django.views import View
import json


class FormulaView(View):
    def post(self, request):
        formula = request.POST["formula"]
        data = json.loads(formula)
        print(data)
        return JsonResponse({"ok": True})
