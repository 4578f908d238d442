# expect: SEC010
"""The host is parsed but never checked against anything."""
from urllib.parse import urlparse

from flask import Flask, redirect, request

app = Flask(__name__)


@app.post("/login")
def login():
    target = request.args.get("next", "/")
    parts = urlparse(target)
    app.logger.info("login, next host %s", parts.netloc)
    return redirect(target)
