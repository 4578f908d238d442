# expect: SEC011
"""Remember a preference (flask path)."""
from flask import Flask, session

app = Flask(__name__)


@app.route("/search/<theme>")
def view_theme(theme):
    prefs = {"value": theme}
    session["prefs"] = prefs
    return "ok"
