# safe: SEC002
"""Service control restricted to an allowlist of actions."""
import subprocess

from fastapi import FastAPI, HTTPException

app = FastAPI()
ACTIONS = {"status", "reload"}


@app.post("/svc/{action}")
def control(action: str):
    if action not in ACTIONS:
        raise HTTPException(status_code=404, detail="unknown action")
    done = subprocess.run(f"systemctl {action} app", shell=True, capture_output=True, text=True)
    return {"out": done.stdout}
