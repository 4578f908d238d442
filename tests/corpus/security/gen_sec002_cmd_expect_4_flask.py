# expect: SEC002
"""Run a maintenance command (flask)."""
import subprocess
from flask import Flask, request

app = Flask(__name__)


@app.route("/tools", methods=["GET", "POST"])
def action_file():
    filename = request.args["file"]
    subprocess.Popen(["/bin/sh", "-c", "tar xzf " + filename]).wait()
    return "ok"
