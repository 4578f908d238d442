# expect: SEC004
"""Serve stored files (flask)."""
import os
from flask import Flask, request

app = Flask(__name__)


@app.route("/export", methods=["GET", "POST"])
def process_doc():
    doc = request.args["doc"]
    UPLOAD_DIR = "/srv/uploads"
    with open(os.path.join(UPLOAD_DIR, doc)) as fh:
        print(fh.read())
    return "ok"
