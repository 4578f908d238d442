# expect: SEC002
import os

from flask import Flask, request

app = Flask(__name__)


@app.post("/convert")
def convert():
    opts = ["-density", "150", request.form.get("extra", "")]
    os.system("convert " + " ".join(opts) + " in.pdf out.png")
    return "ok"
