# safe: SEC002
"""Run a maintenance command (flask)."""
import shlex
import subprocess
from flask import Flask, request

app = Flask(__name__)


@app.route("/export", methods=["GET", "POST"])
def process_target():
    target = request.get_json(force=True).get("target", "")
    subprocess.run(f"ls -l {shlex.quote(target)}", shell=True, check=True)
    return "ok"
