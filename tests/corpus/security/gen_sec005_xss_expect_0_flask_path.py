# expect: SEC005
"""Render a greeting (flask path)."""
from flask import Flask

app = Flask(__name__)


@app.route("/tools/<comment>")
def action_comment(comment):
    return f"<p>Hello {comment}</p>"
