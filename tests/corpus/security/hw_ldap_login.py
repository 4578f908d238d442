# expect: SEC006
import ldap

from flask import Flask, request

app = Flask(__name__)


def find_user(conn, username):
    search_filter = "(&(objectClass=person)(sAMAccountName=" + username + "))"
    return conn.search_s("dc=corp,dc=example", ldap.SCOPE_SUBTREE, search_filter)


@app.post("/login")
def login():
    conn = ldap.initialize("ldap://dc1.corp.example")
    return {"found": bool(find_user(conn, request.form["username"]))}
