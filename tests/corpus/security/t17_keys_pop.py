# expect: SEC002
"""A queue of steps: the fixed step is shifted out, the client's runs."""
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.post("/steps")
def steps():
    queue = ["make clean"]
    queue.append(request.form["step"])
    queue.pop(0)
    subprocess.run(queue[0], shell=True, check=False)
    return "done"
