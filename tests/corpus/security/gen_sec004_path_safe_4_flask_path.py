# safe: SEC004
"""Serve stored files (flask path)."""
from pathlib import Path
from flask import Flask

app = Flask(__name__)


@app.route("/hooks/<name>")
def action_name(name):
    base = Path("/srv/docs").resolve()
    target = (base / name).resolve()
    if not target.is_relative_to(base):
        raise PermissionError("escape attempt")
    print(target.read_text())
    return "ok"
