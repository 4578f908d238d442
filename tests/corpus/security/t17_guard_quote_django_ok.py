# safe: SEC003
"""A legacy lookup that refuses quotes before building the quoted literal."""
from django.db import connection
from django.http import HttpResponseBadRequest, JsonResponse


def by_sku(request):
    sku = request.GET.get("sku", "")
    if "'" in sku:
        return HttpResponseBadRequest("invalid sku")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name FROM products WHERE sku = '{sku}'")
        row = cursor.fetchone()
    return JsonResponse({"name": row[0] if row else None})
