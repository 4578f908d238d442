# safe: SEC002
"""The same helpers, but the command builder quotes what it is given."""
import os
import shlex

from flask import Flask, request

app = Flask(__name__)


def form_value(name, default=""):
    return request.form.get(name, default).strip()


def archive_command(folder):
    return "tar czf /var/backups/upload.tgz " + shlex.quote(folder)


@app.post("/archive")
def archive():
    os.system(archive_command(form_value("folder")))
    return "queued"
