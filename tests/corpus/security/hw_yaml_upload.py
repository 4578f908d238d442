# expect: SEC009
import yaml

from flask import Flask, request

app = Flask(__name__)


@app.post("/config")
def upload_config():
    raw = request.files["config"].read()
    config = yaml.load(raw)
    return {"keys": sorted(config)}
