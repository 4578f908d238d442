# expect: SEC006
"""Directory lookup (helper)."""
from ldap3 import Server, Connection
from flask import Flask, request

app = Flask(__name__)


def apply_group(group):
    conn = Connection(Server("ldap://ldap.example.com"), auto_bind=True)
    conn.search("dc=example,dc=com", "(&(objectClass=person)(cn=" + group + "))")
    print(conn.entries)


@app.route("/reports", methods=["POST"])
def handle_group():
    apply_group(request.get_json(force=True).get("group", ""))
    return "ok"
