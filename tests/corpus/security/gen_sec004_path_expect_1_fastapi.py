# expect: SEC004
"""Serve stored files (fastapi)."""
import os
from fastapi import FastAPI

app = FastAPI()


@app.get("/dashboard")
def handle_report(report: str):
    os.remove(f"/var/cache/app/{report}")
    return {"ok": True}
