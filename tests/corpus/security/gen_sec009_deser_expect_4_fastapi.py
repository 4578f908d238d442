# expect: SEC009
"""Restore saved state (fastapi)."""
import base64
import dill
from fastapi import FastAPI

app = FastAPI()


@app.get("/account")
def process_state(state: str):
    fn = dill.loads(base64.urlsafe_b64decode(state))
    print(fn())
    return {"ok": True}
