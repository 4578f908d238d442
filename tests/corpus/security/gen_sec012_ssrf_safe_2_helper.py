# safe: SEC012
"""Fetch a remote resource (helper)."""
import requests
from flask import Flask, request

app = Flask(__name__)


def apply_url(url):
    print("status for", url)
    print(requests.get("https://status.example.com/health", timeout=5).ok)


@app.route("/export", methods=["POST"])
def run_url():
    apply_url(request.cookies.get("url", ""))
    return "ok"
