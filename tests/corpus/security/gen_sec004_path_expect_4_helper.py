# expect: SEC004
"""Serve stored files (helper)."""
import os
from flask import Flask, request, send_file

app = Flask(__name__)


def apply_name(name):
    return send_file(os.path.join("/srv/exports", name))


@app.route("/reports", methods=["POST"])
def run_name():
    return apply_name(request.cookies.get("name", ""))
