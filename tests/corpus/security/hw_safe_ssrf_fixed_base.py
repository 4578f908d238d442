# safe: SEC012
import requests

from flask import Flask, request

app = Flask(__name__)
API = "https://api.partner.example/v2/"


@app.get("/lookup")
def lookup():
    sku = request.args["sku"]
    resp = requests.get(API + "products/" + sku, timeout=5)
    return resp.json()
