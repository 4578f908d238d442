# safe: SEC004
import os
from flask import Flask, request, send_from_directory, abort
from werkzeug.utils import secure_filename

app = Flask(__name__)
UPLOADS = "/srv/uploads"


@app.post("/upload")
def upload():
    f = request.files["file"]
    name = secure_filename(f.filename)
    if not name:
        abort(400)
    f.save(os.path.join(UPLOADS, name))
    return send_from_directory(UPLOADS, name)
