# expect: SEC003
"""Search view whose query text is built by a helper."""
from django.db import connection
from django.http import JsonResponse


def _param(request, key):
    return request.GET.get(key, "")


def _search_sql(term):
    return f"SELECT id, title FROM articles WHERE title LIKE '%{term}%'"


def search(request):
    with connection.cursor() as cursor:
        cursor.execute(_search_sql(_param(request, "q")))
        rows = cursor.fetchall()
    return JsonResponse({"results": rows})
