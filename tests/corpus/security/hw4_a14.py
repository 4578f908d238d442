# safe: SEC004
import os
from flask import Flask, request, abort

app = Flask(__name__)
REPORTS = {"daily": "daily.csv", "weekly": "weekly.csv"}


@app.get("/report")
def report():
    filename = REPORTS.get(request.args.get("kind", ""))
    if filename is None:
        abort(404)
    with open(os.path.join("/srv/reports", filename)) as fh:
        return fh.read()
