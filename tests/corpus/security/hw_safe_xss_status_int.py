# safe: SEC005
from flask import Flask, request

app = Flask(__name__)


@app.get("/page")
def page():
    number = int(request.args.get("n", "1"))
    return f"<p>Page {number}</p>"
