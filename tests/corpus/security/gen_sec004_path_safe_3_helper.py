# safe: SEC004
"""Serve stored files (helper)."""
from flask import Flask, request, send_from_directory

app = Flask(__name__)


def apply_file(filename):
    return send_from_directory("/srv/exports", filename)


@app.route("/profile", methods=["POST"])
def view_file():
    return apply_file(request.args.get("file", ""))
