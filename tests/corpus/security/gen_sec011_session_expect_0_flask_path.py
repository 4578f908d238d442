# expect: SEC011
"""Remember a preference (flask path)."""
from flask import Flask, session

app = Flask(__name__)


@app.route("/search/<role>")
def action_role(role):
    session["role"] = role
    return "ok"
