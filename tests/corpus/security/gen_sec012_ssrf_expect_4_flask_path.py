# expect: SEC012
"""Fetch a remote resource (flask path)."""
import requests
from flask import Flask

app = Flask(__name__)


@app.route("/tools/<endpoint>")
def process_endpoint(endpoint):
    session = requests.Session()
    r = session.get(endpoint, timeout=3)
    print(r.headers)
    return "ok"
