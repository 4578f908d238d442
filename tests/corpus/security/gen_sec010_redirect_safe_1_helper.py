# safe: SEC010
"""Send the user onwards (helper)."""
from urllib.parse import urlparse
from flask import Flask, redirect, request

app = Flask(__name__)


def apply_return_to(return_to):
    ALLOWED_HOSTS = {"example.com", "www.example.com"}
    if urlparse(return_to).netloc not in ALLOWED_HOSTS:
        return redirect("/")
    return redirect(return_to)


@app.route("/reports", methods=["POST"])
def run_return_to():
    return apply_return_to(request.values.get("return_to", ""))
