# expect: SEC003
"""The quote check only logs; the value still closes the literal."""
import logging

from django.db import connection
from django.http import JsonResponse

log = logging.getLogger(__name__)


def by_sku(request):
    sku = request.GET.get("sku", "")
    if "'" in sku:
        log.warning("odd sku %r", sku)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name FROM products WHERE sku = '{sku}'")
        row = cursor.fetchone()
    return JsonResponse({"name": row[0] if row else None})
