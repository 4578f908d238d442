# expect: SEC002
"""Archive an upload folder; the route reads its input through small helpers."""
import os

from flask import Flask, request

app = Flask(__name__)


def form_value(name, default=""):
    return request.form.get(name, default).strip()


def archive_command(folder):
    return "tar czf /var/backups/upload.tgz " + folder


@app.post("/archive")
def archive():
    os.system(archive_command(form_value("folder")))
    return "queued"
