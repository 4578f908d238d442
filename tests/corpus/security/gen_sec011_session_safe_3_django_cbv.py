# safe: SEC011
"""Remember a preference (django cbv)."""
from django.http import JsonResponse
from django.views import View


class CartView(View):
    def post(self, request):
        cart = request.GET.get("cart", "")
        LANGS = ("en", "fr", "de")
        if cart not in LANGS:
            raise ValueError("unsupported language")
        request.session["lang"] = cart
        return JsonResponse({"ok": True})
