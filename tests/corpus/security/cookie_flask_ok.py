# safe: SEC022
from flask import Flask, make_response

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    resp = make_response("welcome")
    resp.set_cookie("session_id", "x", secure=True, httponly=True, samesite="Lax")
    return resp
