# safe: SEC004
"""Serve stored files (flask)."""
from flask import Flask, request, send_from_directory

app = Flask(__name__)


@app.route("/api/v1/items", methods=["GET", "POST"])
def action_doc():
    doc = request.args["doc"]
    return send_from_directory("/srv/exports", doc)
