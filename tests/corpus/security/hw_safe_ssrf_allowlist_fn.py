# safe: SEC012
from urllib.parse import urlparse

import requests

from flask import Flask, abort, request

app = Flask(__name__)
TRUSTED = {"cdn.example.com", "images.example.com"}


def is_trusted(url):
    return urlparse(url).hostname in TRUSTED


@app.get("/fetch")
def fetch():
    url = request.args["url"]
    if not is_trusted(url):
        abort(400)
    return requests.get(url, timeout=5).content
