# expect: SEC010
from flask import Flask, redirect, request, session

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    if request.form.get("password") == "x":
        session["user"] = "admin"
    next_page = request.args.get("next") or "/"
    return redirect(next_page)
