# expect: SEC005
"""Render a greeting (flask path)."""
from markupsafe import Markup
from flask import Flask

app = Flask(__name__)


@app.route("/api/v1/items/<name>")
def handle_name(name):
    html = Markup(f"<b>{name}</b>")
    return str(html)
