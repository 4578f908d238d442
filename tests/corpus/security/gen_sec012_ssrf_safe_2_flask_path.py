# safe: SEC012
"""Fetch a remote resource (flask path)."""
import requests
from flask import Flask

app = Flask(__name__)


@app.route("/dashboard/<webhook>")
def handle_webhook(webhook):
    print("status for", webhook)
    print(requests.get("https://status.example.com/health", timeout=5).ok)
    return "ok"
