# safe: SEC001
"""Evaluate user-supplied rules (helper)."""
import json
from flask import Flask, request

app = Flask(__name__)


def apply_expr(expr):
    data = json.loads(expr)
    print(data)


@app.route("/search", methods=["POST"])
def action_expr():
    apply_expr(request.form["expr"])
    return "ok"
