# expect: SEC010
"""Send the user onwards (flask path)."""
from flask import Flask, redirect

app = Flask(__name__)


@app.route("/reports/<next_url>")
def handle_next(next_url):
    return redirect(next_url)
