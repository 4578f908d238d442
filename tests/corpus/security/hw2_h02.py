# expect: SEC003
from django.views.generic import ListView
from django.db import connection


class OrderList(ListView):
    template_name = "orders.html"

    def get_queryset(self):
        status = self.request.GET.get("status", "open")
        with connection.cursor() as cur:
            cur.execute("SELECT id FROM orders WHERE status = '%s'" % status)
            ids = [r[0] for r in cur.fetchall()]
        return ids
