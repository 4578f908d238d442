# expect: SEC010
"""Send the user onwards (flask path)."""
from flask import Flask, redirect

app = Flask(__name__)


@app.route("/reports/<next_url>")
def action_next(next_url):
    target = next_url or "/"
    return redirect(target, code=302)
