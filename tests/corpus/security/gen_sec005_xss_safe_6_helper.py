# safe: SEC005
"""Render a greeting (helper)."""
from flask import Flask, request

app = Flask(__name__)


def apply_q(query):
    print("search", query)
    return "<p>Thanks for searching</p>"


@app.route("/users", methods=["POST"])
def process_q():
    return apply_q(request.values.get("q", ""))
