# safe: SEC009
import pickle

import redis
from flask import Flask, request

app = Flask(__name__)
cache = redis.Redis()


@app.get("/item")
def item():
    key = "item:" + request.args["id"]
    raw = cache.get(key)
    return {"item": pickle.loads(raw) if raw else None}
