# safe: SEC012
"""Fetch a remote resource (flask)."""
from urllib.parse import urlparse
import requests
from flask import Flask, request

app = Flask(__name__)


@app.route("/account", methods=["GET", "POST"])
def run_endpoint():
    endpoint = request.args["endpoint"]
    ALLOWED = {"hooks.slack.com", "api.example.com"}
    parsed = urlparse(endpoint)
    if parsed.hostname not in ALLOWED:
        raise ValueError("host not allowed")
    requests.post(endpoint, json={"text": "hi"}, timeout=5)
    return "ok"
