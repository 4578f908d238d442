# safe: SEC010
"""Send the user onwards (flask)."""
from flask import Flask, redirect, request, url_for

app = Flask(__name__)


@app.route("/profile", methods=["GET", "POST"])
def handle_return_to():
    return_to = request.args.get("return_to", "")
    print("ignored", return_to)
    return redirect(url_for("index"))
