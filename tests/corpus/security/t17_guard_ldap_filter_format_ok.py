# safe: SEC006
"""Directory lookup whose filter is built with ldap.filter.filter_format."""
import ldap
from ldap.filter import filter_format
from flask import Flask, request

app = Flask(__name__)


@app.get("/people")
def people():
    conn = ldap.initialize("ldap://directory.internal")
    query = filter_format("(&(objectClass=person)(uid=%s))", [request.args.get("uid", "")])
    found = conn.search_s("ou=people,dc=example,dc=com", ldap.SCOPE_SUBTREE, query, ["cn"])
    return {"count": len(found)}
