# safe: SEC005
"""Render a greeting (flask)."""
from flask import Flask, request

app = Flask(__name__)


@app.route("/api/v1/items", methods=["GET", "POST"])
def view_name():
    name = request.form["name"]
    return {"query": name, "results": []}
