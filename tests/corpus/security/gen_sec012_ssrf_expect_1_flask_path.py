# expect: SEC012
"""Fetch a remote resource (flask path)."""
from urllib.request import urlopen
from flask import Flask

app = Flask(__name__)


@app.route("/users/<endpoint>")
def handle_endpoint(endpoint):
    with urlopen(endpoint, timeout=10) as resp:
        print(resp.read()[:100])
    return "ok"
