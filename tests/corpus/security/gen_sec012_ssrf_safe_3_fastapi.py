# safe: SEC012
"""Fetch a remote resource (fastapi)."""
import httpx
from fastapi import FastAPI

app = FastAPI()


@app.get("/admin")
def action_webhook(webhook: str):
    r = httpx.get("https://api.example.com/search", params={"q": webhook})
    print(r.json())
    return {"ok": True}
