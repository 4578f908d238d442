# safe: SEC003
"""Look up records (django cbv)."""
from django.http import JsonResponse
from django.views import View
import sqlite3


class StatusView(View):
    def post(self, request):
        status = request.GET.get("status", "")
        conn = sqlite3.connect("app.db")
        cur = conn.cursor()
        cur.execute("SELECT * FROM users WHERE name = ?", (status,))
        print(cur.fetchall())
        return JsonResponse({"ok": True})
