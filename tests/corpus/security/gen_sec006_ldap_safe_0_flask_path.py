# safe: SEC006
"""Directory lookup (flask path)."""
from ldap.filter import escape_filter_chars
import ldap
from flask import Flask

app = Flask(__name__)


@app.route("/hooks/<login>")
def action_login(login):
    conn = ldap.initialize("ldap://ldap.example.com")
    results = conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(uid={escape_filter_chars(login)})")
    print(results)
    return "ok"
