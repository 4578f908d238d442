# safe: SEC011
"""Remember a preference (flask)."""
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/search", methods=["GET", "POST"])
def run_role():
    role = request.args.get("role", "")
    THEMES = {"light", "dark"}
    if role in THEMES:
        session["theme"] = role
    return "ok"
