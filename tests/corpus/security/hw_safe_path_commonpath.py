# safe: SEC004
import os

from flask import Flask, abort, request

app = Flask(__name__)
ROOT = "/srv/static"


@app.get("/static-file")
def static_file():
    requested = os.path.realpath(os.path.join(ROOT, request.args["path"]))
    if os.path.commonpath([ROOT, requested]) != ROOT:
        abort(403)
    with open(requested, "rb") as fh:
        return fh.read()
