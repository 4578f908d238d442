# expect: SEC005
"""Render a greeting (flask)."""
from flask import Flask, request

app = Flask(__name__)


@app.route("/tools", methods=["GET", "POST"])
def handle_title():
    title = request.cookies.get("title", "")
    return f"<p>Hello {title}</p>"
