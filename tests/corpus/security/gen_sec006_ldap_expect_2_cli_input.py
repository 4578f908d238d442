# expect: SEC006
"""Directory lookup (cli input)."""
import ldap

group = input("group: ").strip()
conn = ldap.initialize("ldap://directory")
flt = "(memberOf=cn=%s,ou=groups,dc=corp)" % group
print(conn.search_s("ou=people,dc=corp", ldap.SCOPE_ONELEVEL, flt))
