# expect: SEC002
"""An argument list that turns out to be `sh -c <client text>`."""
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.post("/hooks")
def run_hook():
    argv = []
    argv.append("sh")
    argv.append("-c")
    argv.append("notify-send " + request.form["message"])
    subprocess.run(argv, check=False)
    return "sent"
