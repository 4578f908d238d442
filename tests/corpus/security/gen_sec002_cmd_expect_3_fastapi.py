# expect: SEC002
"""Run a maintenance command (fastapi)."""
import os
from fastapi import FastAPI

app = FastAPI()


@app.get("/account")
def action_branch(branch: str):
    result = os.popen("nslookup {}".format(branch)).read()
    print(result)
    return {"ok": True}
