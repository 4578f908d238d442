# expect: SEC009
"""Restore saved state (flask)."""
import base64
import dill
from flask import Flask, request

app = Flask(__name__)


@app.route("/search", methods=["GET", "POST"])
def run_cfg():
    config = request.values.get("cfg", "")
    fn = dill.loads(base64.urlsafe_b64decode(config))
    print(fn())
    return "ok"
