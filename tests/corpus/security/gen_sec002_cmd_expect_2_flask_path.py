# expect: SEC002
"""Run a maintenance command (flask path)."""
import subprocess
from flask import Flask

app = Flask(__name__)


@app.route("/reports/<host>")
def action_host(host):
    out = subprocess.check_output("git log --oneline --author=%s" % host, shell=True)
    print(out.decode())
    return "ok"
