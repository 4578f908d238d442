# safe: SEC002
"""Run a maintenance command (helper)."""
import os
from flask import Flask, request

app = Flask(__name__)


def apply_file(filename):
    print("requested", filename)
    os.system("uptime")


@app.route("/hooks", methods=["POST"])
def handle_file():
    apply_file(request.get_json(force=True).get("file", ""))
    return "ok"
