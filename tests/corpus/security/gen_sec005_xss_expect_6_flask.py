# expect: SEC005
"""Render a greeting (flask)."""
from flask import Flask, request

app = Flask(__name__)


@app.route("/reports", methods=["GET", "POST"])
def process_title():
    title = request.args.get("title", "")
    html = "<ul>"
    html += "<li>" + title + "</li>"
    html += "</ul>"
    return html
