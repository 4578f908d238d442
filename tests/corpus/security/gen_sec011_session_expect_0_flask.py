# expect: SEC011
"""Remember a preference (flask)."""
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/tools", methods=["GET", "POST"])
def handle_role():
    role = request.args["role"]
    session["role"] = role
    return "ok"
