# safe: SEC011
from flask import Flask, request, session

app = Flask(__name__)


def check_credentials(username, password):
    return 42 if username and password else None


@app.post("/login")
def login():
    user_id = check_credentials(request.form["username"], request.form["password"])
    if user_id is None:
        return "denied", 401
    session["user_id"] = user_id
    return "ok"
