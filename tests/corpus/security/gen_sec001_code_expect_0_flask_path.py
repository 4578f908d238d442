# expect: SEC001
"""Evaluate user-supplied rules (flask path)."""
from flask import Flask

app = Flask(__name__)


@app.route("/files/<expr>")
def run_expr(expr):
    result = eval(expr)
    print(result)
    return "ok"
