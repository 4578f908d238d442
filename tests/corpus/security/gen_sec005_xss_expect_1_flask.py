# expect: SEC005
"""Render a greeting (flask)."""
from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/admin", methods=["GET", "POST"])
def process_comment():
    comment = request.cookies.get("comment", "")
    resp = make_response("<h1>Results for " + comment + "</h1>")
    return resp
