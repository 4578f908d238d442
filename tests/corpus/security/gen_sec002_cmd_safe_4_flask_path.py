# safe: SEC002
"""Run a maintenance command (flask path)."""
import subprocess
from flask import Flask

app = Flask(__name__)


@app.route("/tools/<branch>")
def view_branch(branch):
    count = int(branch)
    subprocess.run(f"seq {count}", shell=True, check=True)
    return "ok"
