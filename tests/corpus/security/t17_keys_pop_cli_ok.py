# safe: SEC002
"""A queue of steps: the client's value is shifted out before the fixed step runs."""
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.post("/steps")
def steps():
    queue = [request.form["note"]]
    queue.append("make clean")
    queue.pop(0)
    subprocess.run(queue[0], shell=True, check=False)
    return "done"
