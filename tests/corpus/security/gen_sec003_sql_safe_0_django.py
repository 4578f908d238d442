# safe: SEC003
"""Look up records (django)."""
from django.http import JsonResponse
import sqlite3


def view_email(request):
    email = request.GET.get("email", "")
    conn = sqlite3.connect("app.db")
    cur = conn.cursor()
    cur.execute("SELECT * FROM users WHERE name = ?", (email,))
    print(cur.fetchall())
    return JsonResponse({"ok": True})
