# safe: SEC009
"""Restore saved state (flask path)."""
import json
from flask import Flask

app = Flask(__name__)


@app.route("/hooks/<state>")
def handle_state(state):
    obj = json.loads(state)
    print(obj)
    return "ok"
