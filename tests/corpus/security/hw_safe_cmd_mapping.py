# safe: SEC002
import os

from flask import Flask, request

app = Flask(__name__)
COMMANDS = {"disk": "df -h", "memory": "free -m", "load": "uptime"}


@app.get("/stats")
def stats():
    key = request.args.get("what", "load")
    command = COMMANDS.get(key, "uptime")
    return os.popen(command).read()
