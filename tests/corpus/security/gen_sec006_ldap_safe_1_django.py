# safe: SEC006
"""Directory lookup (django)."""
from django.http import JsonResponse
from ldap3 import Server, Connection
from ldap3.utils.conv import escape_filter_chars


def run_group(request):
    group = request.POST.get("group", "")
    conn = Connection(Server("ldap://ldap.example.com"), auto_bind=True)
    safe = escape_filter_chars(group)
    conn.search("dc=example,dc=com", f"(cn={safe})")
    print(conn.entries)
    return JsonResponse({"ok": True})
