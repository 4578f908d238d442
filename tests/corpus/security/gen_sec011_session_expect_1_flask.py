# expect: SEC011
"""Remember a preference (flask)."""
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/hooks", methods=["GET", "POST"])
def process_theme():
    theme = request.cookies.get("theme", "")
    prefs = {"value": theme}
    session["prefs"] = prefs
    return "ok"
