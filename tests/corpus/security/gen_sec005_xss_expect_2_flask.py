# expect: SEC005
"""Render a greeting (flask)."""
from markupsafe import Markup
from flask import Flask, request

app = Flask(__name__)


@app.route("/api/v1/items", methods=["GET", "POST"])
def handle_name():
    name = request.cookies.get("name", "")
    html = Markup(f"<b>{name}</b>")
    return str(html)
