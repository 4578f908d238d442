# safe: SEC005
"""Render a greeting (flask)."""
from markupsafe import escape
from flask import Flask, request

app = Flask(__name__)


@app.route("/dashboard", methods=["GET", "POST"])
def view_comment():
    comment = request.args["comment"]
    return f"<p>Hello {escape(comment)}</p>"
