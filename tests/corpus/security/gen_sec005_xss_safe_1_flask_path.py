# safe: SEC005
"""Render a greeting (flask path)."""
from markupsafe import escape
from flask import Flask

app = Flask(__name__)


@app.route("/api/v1/items/<title>")
def handle_title(title):
    return f"<p>Hello {escape(title)}</p>"
