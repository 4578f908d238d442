# expect: SEC012
"""Fetch a remote resource (flask)."""
import requests
from flask import Flask, request

app = Flask(__name__)


@app.route("/files", methods=["GET", "POST"])
def process_endpoint():
    endpoint = request.get_json(force=True).get("endpoint", "")
    resp = requests.post(f"http://{endpoint}/api/notify", json={"ok": True}, timeout=5)
    print(resp.text)
    return "ok"
