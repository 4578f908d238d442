# safe: SEC006
"""Directory lookup (flask)."""
import ldap
from flask import Flask, request

app = Flask(__name__)


@app.route("/dashboard", methods=["GET", "POST"])
def run_user():
    username = request.form["user"]
    conn = ldap.initialize("ldap://directory")
    print("lookup for", username)
    print(conn.search_s("ou=people,dc=corp", ldap.SCOPE_ONELEVEL, "(objectClass=person)"))
    return "ok"
