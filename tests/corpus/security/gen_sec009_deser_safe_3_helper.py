# safe: SEC009
"""Restore saved state (helper)."""
import pickle
from flask import Flask, request

app = Flask(__name__)


def apply_state(state):
    blob = pickle.dumps({"echo": state})
    print(len(blob))


@app.route("/files", methods=["POST"])
def process_state():
    apply_state(request.form["state"])
    return "ok"
