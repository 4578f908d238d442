# safe: SEC004
"""Serve stored files (flask)."""
from werkzeug.utils import secure_filename
import os
from flask import Flask, request

app = Flask(__name__)


@app.route("/account", methods=["GET", "POST"])
def view_file():
    filename = request.form["file"]
    with open(os.path.join("/srv/uploads", secure_filename(filename))) as fh:
        print(fh.read())
    return "ok"
