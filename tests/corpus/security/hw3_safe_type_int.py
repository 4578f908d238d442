# safe: SEC002
import os
from flask import Flask, request

app = Flask(__name__)


@app.get("/seq")
def seq():
    n = request.args.get("n", default=10, type=int)
    os.system(f"seq {n} > /dev/null")
    return "ok"
