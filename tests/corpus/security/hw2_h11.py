# safe: SEC002
import subprocess
from flask import Flask, request

app = Flask(__name__)
SERVICES = ("nginx", "redis", "postgres")


@app.post("/restart")
def restart():
    service = request.form["service"]
    if service not in SERVICES:
        return "unknown service", 400
    subprocess.run(["systemctl", "restart", service], check=True)
    return "restarted"
