# expect: SEC011
"""Remember a preference (django cbv)."""
from django.http import JsonResponse
from django.views import View


class LangView(View):
    def post(self, request):
        lang = request.POST.get("lang", "")
        request.session["lang"] = lang
        return JsonResponse({"ok": True})
