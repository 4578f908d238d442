# safe: SEC002
"""Run a maintenance command (fastapi)."""
import os
from fastapi import FastAPI

app = FastAPI()


@app.get("/account")
def action_file(filename: str):
    ALLOWED = {"prod", "staging", "dev"}
    if filename not in ALLOWED:
        raise ValueError("unknown environment")
    os.system("deploy --env " + filename)
    return {"ok": True}
