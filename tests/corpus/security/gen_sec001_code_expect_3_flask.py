# expect: SEC001
"""Evaluate user-supplied rules (flask)."""
from flask import Flask, render_template_string, request

app = Flask(__name__)


@app.route("/profile", methods=["GET", "POST"])
def action_code():
    snippet = request.get_json(force=True).get("code", "")
    return render_template_string("<h1>Hello " + snippet + "</h1>")
