# safe: SEC010
"""Send the user onwards (flask)."""
from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/admin", methods=["GET", "POST"])
def handle_return_to():
    return_to = request.values.get("return_to", "")
    return redirect("/profile/" + return_to)
