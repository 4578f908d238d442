# safe: SEC003
from django.http import JsonResponse

from shop.models import Product


def products(request):
    category = request.GET.get("cat", "")
    qs = Product.objects.filter(category=category).order_by("name")
    return JsonResponse({"items": list(qs.values("id", "name"))})
