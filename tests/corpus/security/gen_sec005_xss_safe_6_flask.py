# safe: SEC005
"""Render a greeting (flask)."""
from flask import Flask, request

app = Flask(__name__)


@app.route("/dashboard", methods=["GET", "POST"])
def run_name():
    name = request.args.get("name", "")
    print("search", name)
    return "<p>Thanks for searching</p>"
