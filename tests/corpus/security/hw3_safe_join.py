# safe: SEC004
from flask import Flask, request
from werkzeug.security import safe_join

app = Flask(__name__)


@app.get("/asset")
def asset():
    path = safe_join("/srv/assets", request.args["f"])
    if path is None:
        return "not found", 404
    with open(path, "rb") as fh:
        return fh.read()
