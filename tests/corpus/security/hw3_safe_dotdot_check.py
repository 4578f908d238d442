# safe: SEC004
import os
from flask import Flask, request, abort

app = Flask(__name__)
BASE = "/srv/files"


@app.get("/doc")
def doc():
    name = request.args["name"]
    if ".." in name or name.startswith("/"):
        abort(400)
    with open(os.path.join(BASE, name)) as fh:
        return fh.read()
