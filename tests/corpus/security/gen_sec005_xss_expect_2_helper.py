# expect: SEC005
"""Render a greeting (helper)."""
from markupsafe import Markup
from flask import Flask, request

app = Flask(__name__)


def apply_comment(comment):
    html = Markup(f"<b>{comment}</b>")
    return str(html)


@app.route("/export", methods=["POST"])
def action_comment():
    return apply_comment(request.get_json(force=True).get("comment", ""))
