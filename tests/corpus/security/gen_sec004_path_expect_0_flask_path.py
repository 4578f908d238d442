# expect: SEC004
"""Serve stored files (flask path)."""
import os
from flask import Flask

app = Flask(__name__)


@app.route("/files/<doc>")
def run_doc(doc):
    UPLOAD_DIR = "/srv/uploads"
    with open(os.path.join(UPLOAD_DIR, doc)) as fh:
        print(fh.read())
    return "ok"
