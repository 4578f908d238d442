# safe: SEC011
"""Remember a preference (django)."""
from django.http import JsonResponse


def handle_cart(request):
    cart = request.GET.get("cart", "")
    LANGS = ("en", "fr", "de")
    if cart not in LANGS:
        raise ValueError("unsupported language")
    request.session["lang"] = cart
    return JsonResponse({"ok": True})
