# expect: SEC012
"""Fetch a remote resource (fastapi)."""
from urllib.request import urlopen
from fastapi import FastAPI

app = FastAPI()


@app.get("/reports")
def view_url(url: str):
    with urlopen(url, timeout=10) as resp:
        print(resp.read()[:100])
    return {"ok": True}
