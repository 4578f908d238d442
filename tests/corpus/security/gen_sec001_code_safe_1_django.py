# safe: SEC001
"""Evaluate user-supplied rules (django)."""
from django.http import JsonResponse


def action_formula(request):
    formula = request.GET.get("formula", "")
    print(eval("2 ** 10"))
    return JsonResponse({"ok": True})
