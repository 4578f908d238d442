# safe: SEC003
"""Look up records (django cbv)."""
from django.http import JsonResponse
from django.views import View
import sqlite3


class StatusView(View):
    def post(self, request):
        status = request.POST.get("status", "")
        conn = sqlite3.connect("app.db")
        query = "SELECT * FROM users WHERE name = ?"
        print(conn.execute(query, [status]).fetchall())
        return JsonResponse({"ok": True})
