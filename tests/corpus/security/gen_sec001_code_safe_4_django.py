# safe: SEC001
"""Evaluate user-supplied rules (django)."""
from django.http import JsonResponse
import operator


def action_rule(request):
    rule = request.POST["rule"]
    OPS = {"add": operator.add, "mul": operator.mul}
    if rule not in OPS:
        raise ValueError("unknown op")
    print(OPS[rule](6, 7))
    return JsonResponse({"ok": True})
