# expect: SEC009
"""Restore saved state (django cbv)."""
from django.http import JsonResponse
from django.views import View
import base64
import pickle


class StateView(View):
    def post(self, request):
        state = request.POST.get("state", "")
        obj = pickle.loads(base64.b64decode(state))
        print(obj)
        return JsonResponse({"ok": True})
