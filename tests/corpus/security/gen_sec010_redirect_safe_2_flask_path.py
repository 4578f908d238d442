# safe: SEC010
"""Send the user onwards (flask path)."""
from flask import Flask, redirect

app = Flask(__name__)


@app.route("/dashboard/<next_url>")
def run_next(next_url):
    return redirect("/profile/" + next_url)
