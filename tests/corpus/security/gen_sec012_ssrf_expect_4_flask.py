# expect: SEC012
"""Fetch a remote resource (flask)."""
import requests
from flask import Flask, request

app = Flask(__name__)


@app.route("/export", methods=["GET", "POST"])
def process_url():
    url = request.args.get("url", "")
    session = requests.Session()
    r = session.get(url, timeout=3)
    print(r.headers)
    return "ok"
