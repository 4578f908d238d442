# expect: SEC003
"""Look up records (django cbv)."""
from django.http import JsonResponse
from django.views import View
import pandas as pd
import sqlite3


class UsernameView(View):
    def post(self, request):
        username = request.POST["username"]
        conn = sqlite3.connect("sales.db")
        frame = pd.read_sql(f"select * from sales where region = '{username}'", conn)
        print(frame.head())
        return JsonResponse({"ok": True})
