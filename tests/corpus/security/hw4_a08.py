# safe: SEC002
import shlex
import subprocess
from flask import Flask, request

app = Flask(__name__)


@app.get("/log")
def log():
    branch = request.args.get("branch", "main")
    out = subprocess.run(shlex.split(f"git log --oneline {shlex.quote(branch)}"),
                         capture_output=True, text=True, check=False)
    return {"log": out.stdout}
