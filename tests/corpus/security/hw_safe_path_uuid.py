# safe: SEC004
import uuid

from flask import Flask, request

app = Flask(__name__)


@app.get("/download")
def download():
    file_id = uuid.UUID(request.args["id"])
    with open(f"/srv/files/{file_id}.bin", "rb") as fh:
        return fh.read()
