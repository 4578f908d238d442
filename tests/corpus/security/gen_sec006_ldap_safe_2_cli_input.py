# safe: SEC006
"""Directory lookup (cli input)."""
import ldap

login = input("login: ").strip()
conn = ldap.initialize("ldap://directory")
print("lookup for", login)
print(conn.search_s("ou=people,dc=corp", ldap.SCOPE_ONELEVEL, "(objectClass=person)"))
