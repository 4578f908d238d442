# expect: SEC004
import os
import shutil

from flask import Flask, request

app = Flask(__name__)


@app.post("/move")
def move():
    src = os.path.join("/srv/inbox", request.form["name"])
    shutil.move(src, "/srv/archive/")
    return "moved"
