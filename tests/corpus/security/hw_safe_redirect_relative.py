# safe: SEC010
from flask import Flask, redirect, request

app = Flask(__name__)


@app.get("/after-login")
def after_login():
    target = request.args.get("next", "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    return redirect(target)
