# safe: SEC010
from django.shortcuts import redirect

DESTINATIONS = {"home": "/", "cart": "/cart/", "orders": "/account/orders/"}


def go(request):
    key = request.GET.get("to", "home")
    return redirect(DESTINATIONS.get(key, "/"))
