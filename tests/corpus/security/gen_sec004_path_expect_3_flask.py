# expect: SEC004
"""Serve stored files (flask)."""
from pathlib import Path
from flask import Flask, request

app = Flask(__name__)


@app.route("/hooks", methods=["GET", "POST"])
def process_name():
    name = request.cookies.get("name", "")
    base = Path("/srv/reports")
    content = (base / name).read_text()
    print(content)
    return "ok"
