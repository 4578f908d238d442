# safe: SEC011
"""Remember a preference (flask)."""
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/admin", methods=["GET", "POST"])
def view_theme():
    theme = request.form["theme"]
    session["user_id"] = int(theme)
    return "ok"
