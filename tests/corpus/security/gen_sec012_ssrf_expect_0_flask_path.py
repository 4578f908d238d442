# expect: SEC012
"""Fetch a remote resource (flask path)."""
import requests
from flask import Flask

app = Flask(__name__)


@app.route("/tools/<endpoint>")
def view_endpoint(endpoint):
    resp = requests.get(endpoint, timeout=5)
    print(resp.status_code)
    return "ok"
