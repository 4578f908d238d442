# safe: SEC009
import json

from flask import Flask, request

app = Flask(__name__)


@app.post("/import")
def import_data():
    payload = json.loads(request.data)
    return {"records": len(payload)}
