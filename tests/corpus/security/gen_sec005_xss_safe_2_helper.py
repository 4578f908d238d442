# safe: SEC005
"""Render a greeting (helper)."""
from flask import Flask, jsonify, request

app = Flask(__name__)


def apply_name(name):
    return jsonify(name=name, ok=True)


@app.route("/account", methods=["POST"])
def action_name():
    return apply_name(request.values.get("name", ""))
