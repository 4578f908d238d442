# expect: SEC002
"""`match` on a constant that selects the arm building the command from input."""
import os

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
def ping(host: str):
    mode = "remote"
    match mode:
        case "remote":
            cmd = "ping -c 1 " + host
        case _:
            cmd = "ping -c 1 127.0.0.1"
    os.system(cmd)
    return {"ok": True}
