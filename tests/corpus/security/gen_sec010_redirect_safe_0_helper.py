# safe: SEC010
"""Send the user onwards (helper)."""
from flask import Flask, redirect, request, url_for

app = Flask(__name__)


def apply_return_to(return_to):
    print("ignored", return_to)
    return redirect(url_for("index"))


@app.route("/api/v1/items", methods=["POST"])
def handle_return_to():
    return apply_return_to(request.cookies.get("return_to", ""))
