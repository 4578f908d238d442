# safe: SEC022
from flask import Flask, make_response

app = Flask(__name__)


@app.route("/logout")
def logout():
    resp = make_response("bye")
    resp.delete_cookie("session_id")
    return resp
