# safe: SEC002
"""Run a maintenance command (helper)."""
import os
import shlex
from flask import Flask, request

app = Flask(__name__)


def apply_branch(branch):
    os.system("ping -c 1 " + shlex.quote(branch))


@app.route("/dashboard", methods=["POST"])
def run_branch():
    apply_branch(request.cookies.get("branch", ""))
    return "ok"
