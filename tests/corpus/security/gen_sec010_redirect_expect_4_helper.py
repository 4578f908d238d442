# expect: SEC010
"""Send the user onwards (helper)."""
from flask import Flask, redirect, request

app = Flask(__name__)


def apply_url(target):
    target = target or "/"
    return redirect(target, code=302)


@app.route("/tools", methods=["POST"])
def action_url():
    return apply_url(request.form["url"])
