# expect: SEC004
import os
from flask import Flask, request

app = Flask(__name__)
app.config["UPLOAD_FOLDER"] = "/srv/uploads"


@app.post("/upload")
def upload():
    f = request.files["file"]
    path = os.path.join(app.config["UPLOAD_FOLDER"], f.filename)
    f.save(path)
    return "saved"
