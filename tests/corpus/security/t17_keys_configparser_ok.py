# safe: SEC002
"""The client names the job; the command stored next to it is fixed."""
import configparser
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.post("/jobs")
def create_job():
    job = configparser.ConfigParser()
    job.add_section("job")
    job.set("job", "name", request.form["name"])
    job.set("job", "command", "/usr/local/bin/rotate-logs")
    subprocess.call(job.get("job", "command"), shell=True)
    return "created"
