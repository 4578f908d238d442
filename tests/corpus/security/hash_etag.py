# safe: SEC020
import hashlib

from flask import Flask, make_response, render_template

app = Flask(__name__)


@app.route("/page")
def page():
    body = render_template("page.html")
    resp = make_response(body)
    resp.headers["ETag"] = hashlib.md5(body.encode()).hexdigest()
    return resp
