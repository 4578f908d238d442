# expect: SEC001
from flask import Flask, request

app = Flask(__name__)


@app.get("/calc")
def calc():
    return {"result": eval(request.args.get("x", "0"), {"__builtins__": None}, {})}
