# expect: SEC003
from django.http import JsonResponse

from shop.models import Product


def products(request):
    order = request.GET.get("order", "name")
    qs = Product.objects.extra(where=[f"category = '{request.GET['cat']}'"]).order_by(order)
    return JsonResponse({"items": list(qs.values("id", "name"))})
