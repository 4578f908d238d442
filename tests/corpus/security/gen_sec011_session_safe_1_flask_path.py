# safe: SEC011
"""Remember a preference (flask path)."""
from flask import Flask, session

app = Flask(__name__)


@app.route("/export/<lang>")
def run_lang(lang):
    THEMES = {"light", "dark"}
    if lang in THEMES:
        session["theme"] = lang
    return "ok"
