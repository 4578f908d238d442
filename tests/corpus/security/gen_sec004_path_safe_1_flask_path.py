# safe: SEC004
"""Serve stored files (flask path)."""
import os
from flask import Flask

app = Flask(__name__)


@app.route("/files/<report>")
def run_report(report):
    BASE = "/srv/reports"
    path = os.path.realpath(os.path.join(BASE, report))
    if not path.startswith(BASE + os.sep):
        raise PermissionError("outside the report folder")
    with open(path) as fh:
        print(fh.read())
    return "ok"
