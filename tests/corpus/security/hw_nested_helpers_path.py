# expect: SEC004
import os

from flask import Flask, request

app = Flask(__name__)
STORAGE = "/srv/storage"


def user_dir(user):
    return os.path.join(STORAGE, user)


def read_note(user, note):
    with open(os.path.join(user_dir(user), note)) as fh:
        return fh.read()


@app.get("/notes")
def notes():
    return {"text": read_note(request.args["user"], request.args["note"])}
