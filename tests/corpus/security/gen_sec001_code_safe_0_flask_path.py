# safe: SEC001
"""Evaluate user-supplied rules (flask path)."""
import ast
from flask import Flask

app = Flask(__name__)


@app.route("/hooks/<snippet>")
def action_code(snippet):
    value = ast.literal_eval(snippet)
    print(value)
    return "ok"
