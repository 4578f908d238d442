# expect: SEC001
"""Evaluate user-supplied rules (flask)."""
from flask import Flask, request

app = Flask(__name__)


@app.route("/tools", methods=["GET", "POST"])
def run_expr():
    expr = request.values.get("expr", "")
    namespace = {}
    exec(f"value = {expr}", namespace)
    print(namespace["value"])
    return "ok"
