# safe: SEC011
"""Remember a preference (flask path)."""
from flask import Flask, session

app = Flask(__name__)


@app.route("/files/<cart>")
def process_cart(cart):
    session["user_id"] = int(cart)
    return "ok"
