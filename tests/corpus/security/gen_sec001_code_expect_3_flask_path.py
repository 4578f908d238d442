# expect: SEC001
"""Evaluate user-supplied rules (flask path)."""
from flask import Flask, render_template_string

app = Flask(__name__)


@app.route("/reports/<snippet>")
def action_code(snippet):
    return render_template_string("<h1>Hello " + snippet + "</h1>")
