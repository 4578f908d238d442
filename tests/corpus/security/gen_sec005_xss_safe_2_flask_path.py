# safe: SEC005
"""Render a greeting (flask path)."""
from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/tools/<comment>")
def process_comment(comment):
    return jsonify(name=comment, ok=True)
