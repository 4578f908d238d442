# safe: SEC001
"""Evaluate user-supplied rules (flask)."""
from flask import Flask, render_template_string, request

app = Flask(__name__)


@app.route("/account", methods=["GET", "POST"])
def action_formula():
    formula = request.values.get("formula", "")
    return render_template_string("<h1>Hello {{ name }}</h1>", name=formula)
