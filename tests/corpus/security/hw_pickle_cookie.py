# expect: SEC009
import base64
import pickle

from flask import Flask, request

app = Flask(__name__)


def load_cart(raw):
    return pickle.loads(base64.b64decode(raw))


@app.get("/cart")
def cart():
    items = load_cart(request.cookies.get("cart", ""))
    return {"count": len(items)}
