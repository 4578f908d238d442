# expect: SEC006
"""The filter is formatted by hand: a `*)(` in uid widens the search."""
import ldap
from flask import Flask, request

app = Flask(__name__)


@app.get("/people")
def people():
    conn = ldap.initialize("ldap://directory.internal")
    query = "(&(objectClass=person)(uid=%s))" % request.args.get("uid", "")
    found = conn.search_s("ou=people,dc=example,dc=com", ldap.SCOPE_SUBTREE, query, ["cn"])
    return {"count": len(found)}
