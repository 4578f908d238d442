# expect: SEC005
"""Render a greeting (flask path)."""
from flask import Flask, make_response

app = Flask(__name__)


@app.route("/admin/<comment>")
def process_comment(comment):
    resp = make_response("<h1>Results for " + comment + "</h1>")
    return resp
