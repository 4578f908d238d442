# expect: SEC003
"""Look up records (django)."""
from django.http import JsonResponse
import sqlite3


def process_q(request):
    term = request.GET.get("q", "")
    conn = sqlite3.connect("shop.db")
    conn.execute("DELETE FROM carts WHERE owner = '" + term + "'")
    conn.commit()
    return JsonResponse({"ok": True})
