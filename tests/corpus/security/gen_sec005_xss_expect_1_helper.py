# expect: SEC005
"""Render a greeting (helper)."""
from flask import Flask, make_response, request

app = Flask(__name__)


def apply_q(query):
    resp = make_response("<h1>Results for " + query + "</h1>")
    return resp


@app.route("/profile", methods=["POST"])
def action_q():
    return apply_q(request.values.get("q", ""))
