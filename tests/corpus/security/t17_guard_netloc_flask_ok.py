# safe: SEC010
"""After login, go back only to a local path."""
from urllib.parse import urlparse

from flask import Flask, abort, redirect, request

app = Flask(__name__)


@app.post("/login")
def login():
    target = request.args.get("next", "/")
    parts = urlparse(target)
    if parts.netloc or parts.scheme:
        abort(400)
    return redirect(target)
