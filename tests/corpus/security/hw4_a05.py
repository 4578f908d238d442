# expect: SEC012
import json
import urllib.request
from flask import Flask, request

app = Flask(__name__)


@app.get("/status")
def status():
    host = request.args["host"]
    with urllib.request.urlopen(f"http://{host}:8080/status", timeout=5) as resp:
        return json.loads(resp.read())
