# expect: SEC005
from flask import Flask, request

app = Flask(__name__)

PAGE = """<html><body><h1>Welcome, {user}</h1></body></html>"""


@app.route("/welcome")
def welcome():
    return PAGE.format(user=request.cookies.get("display_name", "guest"))
