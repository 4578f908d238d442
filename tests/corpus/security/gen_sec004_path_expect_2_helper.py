# expect: SEC004
"""Serve stored files (helper)."""
import os
import shutil
from flask import Flask, request

app = Flask(__name__)


def apply_file(filename):
    shutil.rmtree(os.path.join("/srv/workspaces", filename))


@app.route("/account", methods=["POST"])
def action_file():
    apply_file(request.cookies.get("file", ""))
    return "ok"
