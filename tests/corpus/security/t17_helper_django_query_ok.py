# safe: SEC003
"""Search view whose helper returns the SQL and its parameters separately."""
from django.db import connection
from django.http import JsonResponse


def _param(request, key):
    return request.GET.get(key, "")


def _search_sql(term):
    return "SELECT id, title FROM articles WHERE title LIKE %s", ["%" + term + "%"]


def search(request):
    sql, params = _search_sql(_param(request, "q"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, title FROM articles WHERE title LIKE %s", params)
        rows = cursor.fetchall()
    return JsonResponse({"results": rows, "sql": sql})
