# safe: SEC003
"""Look up records (django)."""
from django.http import JsonResponse
import sqlite3


def action_order(request):
    order_id = request.POST.get("order", "")
    conn = sqlite3.connect("app.db")
    query = "SELECT * FROM users WHERE name = ?"
    print(conn.execute(query, [order_id]).fetchall())
    return JsonResponse({"ok": True})
