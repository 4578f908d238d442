# expect: SEC002
"""A job definition kept in a ConfigParser between steps."""
import configparser
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.post("/jobs")
def create_job():
    job = configparser.ConfigParser()
    job.add_section("job")
    job.set("job", "owner", "web")
    job.set("job", "command", request.form["command"])
    subprocess.call(job.get("job", "command"), shell=True)
    return "created"
