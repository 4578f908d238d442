# expect: SEC004
import os
from flask import Flask, request, abort

app = Flask(__name__)
BASE = "/srv/files"


@app.get("/raw")
def raw():
    path = os.path.join(BASE, request.args["name"])
    if not path.startswith(BASE):
        abort(403)
    with open(path) as fh:
        return fh.read()
