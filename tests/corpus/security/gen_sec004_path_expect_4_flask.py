# expect: SEC004
"""Serve stored files (flask)."""
import os
from flask import Flask, request, send_file

app = Flask(__name__)


@app.route("/account", methods=["GET", "POST"])
def run_report():
    report = request.form["report"]
    return send_file(os.path.join("/srv/exports", report))
