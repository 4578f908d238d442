# expect: SEC005
"""Render a greeting (flask path)."""
from flask import Flask

app = Flask(__name__)


@app.route("/admin/<name>")
def run_name(name):
    return f"<p>Hello {name}</p>"
