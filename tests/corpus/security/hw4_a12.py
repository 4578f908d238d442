# safe: SEC012
import requests
from flask import Flask, request

app = Flask(__name__)
BASE = "https://api.weather.example/v1"


@app.get("/weather")
def weather():
    city = request.args["city"]
    resp = requests.get(BASE + "/current", params={"q": city}, timeout=5)
    return resp.json()
