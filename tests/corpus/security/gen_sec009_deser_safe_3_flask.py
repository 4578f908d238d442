# safe: SEC009
"""Restore saved state (flask)."""
import pickle
from flask import Flask, request

app = Flask(__name__)


@app.route("/hooks", methods=["GET", "POST"])
def view_payload():
    payload = request.form["payload"]
    blob = pickle.dumps({"echo": payload})
    print(len(blob))
    return "ok"
