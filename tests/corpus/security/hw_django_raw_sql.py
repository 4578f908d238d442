# expect: SEC003
from django.db import connection
from django.http import JsonResponse


def report(request, year):
    with connection.cursor() as cursor:
        cursor.execute("SELECT month, SUM(total) FROM sales WHERE year = " + year + " GROUP BY month")
        rows = cursor.fetchall()
    return JsonResponse({"rows": rows})
