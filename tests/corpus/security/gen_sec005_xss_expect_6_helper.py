# expect: SEC005
"""Render a greeting (helper)."""
from flask import Flask, request

app = Flask(__name__)


def apply_title(title):
    html = "<ul>"
    html += "<li>" + title + "</li>"
    html += "</ul>"
    return html


@app.route("/reports", methods=["POST"])
def process_title():
    return apply_title(request.args.get("title", ""))
