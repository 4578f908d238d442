# expect: SEC005
"""Render a greeting (flask)."""
from flask import Flask, request

app = Flask(__name__)


@app.route("/tools", methods=["GET", "POST"])
def action_comment():
    comment = request.values.get("comment", "")
    return f"<p>Hello {comment}</p>"
