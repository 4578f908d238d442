# expect: SEC012
"""Fetch a remote resource (flask)."""
from urllib.request import urlopen
from flask import Flask, request

app = Flask(__name__)


@app.route("/users", methods=["GET", "POST"])
def handle_endpoint():
    endpoint = request.args.get("endpoint", "")
    with urlopen(endpoint, timeout=10) as resp:
        print(resp.read()[:100])
    return "ok"
