# safe: SEC004
import re

from flask import Flask, request

app = Flask(__name__)


@app.post("/save")
def save():
    slug = re.sub(r"[^a-z0-9_-]", "", request.form["title"].lower())
    with open(f"/srv/pages/{slug}.md", "w") as fh:
        fh.write(request.form["body"])
    return "saved"
