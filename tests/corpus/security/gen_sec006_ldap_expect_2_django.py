# expect: SEC006
"""Directory lookup (django)."""
from django.http import JsonResponse
import ldap


def view_login(request):
    login = request.POST.get("login", "")
    conn = ldap.initialize("ldap://directory")
    flt = "(memberOf=cn=%s,ou=groups,dc=corp)" % login
    print(conn.search_s("ou=people,dc=corp", ldap.SCOPE_ONELEVEL, flt))
    return JsonResponse({"ok": True})
