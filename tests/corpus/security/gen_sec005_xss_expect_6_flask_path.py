# expect: SEC005
"""Render a greeting (flask path)."""
from flask import Flask

app = Flask(__name__)


@app.route("/reports/<query>")
def view_q(query):
    html = "<ul>"
    html += "<li>" + query + "</li>"
    html += "</ul>"
    return html
