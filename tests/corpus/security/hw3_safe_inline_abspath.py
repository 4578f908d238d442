# safe: SEC004
import os
from flask import Flask, request, abort

app = Flask(__name__)
BASE = "/srv/files"


@app.get("/file")
def file():
    path = os.path.join(BASE, request.args["name"])
    if not os.path.abspath(path).startswith(BASE + os.sep):
        abort(403)
    with open(path) as fh:
        return fh.read()
