# expect: SEC004
"""Serve stored files (flask path)."""
import os
from flask import Flask, send_file

app = Flask(__name__)


@app.route("/files/<report>")
def run_report(report):
    return send_file(os.path.join("/srv/exports", report))
