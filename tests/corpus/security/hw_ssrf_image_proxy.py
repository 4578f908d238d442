# expect: SEC012
import requests

from flask import Flask, Response, request

app = Flask(__name__)


@app.get("/proxy")
def proxy():
    image_url = request.args.get("src")
    upstream = requests.get(image_url, timeout=10, stream=True)
    return Response(upstream.content, mimetype=upstream.headers.get("Content-Type"))
