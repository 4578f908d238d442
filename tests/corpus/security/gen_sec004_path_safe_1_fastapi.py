# safe: SEC004
"""Serve stored files (fastapi)."""
import os
from fastapi import FastAPI

app = FastAPI()


@app.get("/tools")
def view_doc(doc: str):
    BASE = "/srv/reports"
    path = os.path.realpath(os.path.join(BASE, doc))
    if not path.startswith(BASE + os.sep):
        raise PermissionError("outside the report folder")
    with open(path) as fh:
        print(fh.read())
    return {"ok": True}
