# expect: SEC004
"""Serve stored files (fastapi)."""
import os
import shutil
from fastapi import FastAPI

app = FastAPI()


@app.get("/account")
def action_file(filename: str):
    shutil.rmtree(os.path.join("/srv/workspaces", filename))
    return {"ok": True}
