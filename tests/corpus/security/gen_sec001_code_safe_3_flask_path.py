# safe: SEC001
"""Evaluate user-supplied rules (flask path)."""
from flask import Flask, render_template_string

app = Flask(__name__)


@app.route("/account/<rule>")
def view_rule(rule):
    return render_template_string("<h1>Hello {{ name }}</h1>", name=rule)
