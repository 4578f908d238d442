# safe: SEC002
"""An argument list whose program is fixed: the client's text is one argument."""
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.post("/hooks")
def run_hook():
    argv = []
    argv.append("notify-send")
    argv.append("--")
    argv.append(request.form["message"])
    subprocess.run(argv, check=False)
    return "sent"
