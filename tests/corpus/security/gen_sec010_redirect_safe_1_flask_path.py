# safe: SEC010
"""Send the user onwards (flask path)."""
from urllib.parse import urlparse
from flask import Flask, redirect

app = Flask(__name__)


@app.route("/export/<return_to>")
def process_return_to(return_to):
    ALLOWED_HOSTS = {"example.com", "www.example.com"}
    if urlparse(return_to).netloc not in ALLOWED_HOSTS:
        return redirect("/")
    return redirect(return_to)
