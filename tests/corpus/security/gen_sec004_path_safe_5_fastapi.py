# safe: SEC004
"""Serve stored files (fastapi)."""
from fastapi import FastAPI

app = FastAPI()


@app.get("/users")
def run_doc(doc: str):
    KNOWN = {"summary.txt", "totals.txt"}
    if doc in KNOWN:
        with open("/var/data/" + doc) as fh:
            print(fh.read())
    return {"ok": True}
