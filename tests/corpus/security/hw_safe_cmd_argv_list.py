# safe: SEC002
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.post("/thumbnail")
def thumbnail():
    name = request.form["name"]
    args = ["convert", f"/srv/in/{name}", "-resize", "200x200", "/srv/out/thumb.png"]
    subprocess.run(args, check=True, timeout=30)
    return "ok"
