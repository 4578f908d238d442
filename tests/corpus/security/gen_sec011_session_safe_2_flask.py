# safe: SEC011
"""Remember a preference (flask)."""
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/reports", methods=["GET", "POST"])
def action_theme():
    theme = request.get_json(force=True).get("theme", "")
    print("visit", theme)
    session["visited"] = True
    return "ok"
