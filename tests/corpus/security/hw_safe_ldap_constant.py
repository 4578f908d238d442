# safe: SEC006
import ldap


def all_admins():
    conn = ldap.initialize("ldap://ldap.corp.example")
    return conn.search_s("ou=people,dc=corp", ldap.SCOPE_SUBTREE, "(memberOf=cn=admins,ou=groups,dc=corp)")
