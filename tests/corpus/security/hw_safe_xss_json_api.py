# safe: SEC005
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/echo")
def echo():
    data = request.get_json(force=True)
    reply = {"message": data.get("message", ""), "length": len(data.get("message", ""))}
    return jsonify(reply)
