# safe: SEC012
import requests
from flask import Flask, request

app = Flask(__name__)
GITHUB = "https://api.github.com"


@app.get("/repos")
def repos():
    user = request.args["user"]
    resp = requests.get(f"{GITHUB}/users/{user}/repos", timeout=10)
    return {"count": len(resp.json())}
