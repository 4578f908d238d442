# expect: SEC012
"""Fetch a remote resource (fastapi)."""
import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/export")
def run_host(host: str):
    resp = requests.post(f"http://{host}/api/notify", json={"ok": True}, timeout=5)
    print(resp.text)
    return {"ok": True}
