# expect: SEC002
"""Run a maintenance command (helper)."""
import subprocess
from flask import Flask, request

app = Flask(__name__)


def apply_domain(domain):
    out = subprocess.check_output("git log --oneline --author=%s" % domain, shell=True)
    print(out.decode())


@app.route("/profile", methods=["POST"])
def view_domain():
    apply_domain(request.cookies.get("domain", ""))
    return "ok"
