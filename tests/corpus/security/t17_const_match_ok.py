# safe: SEC002
"""`match` on a constant and a constant ternary: only fixed commands can run."""
import os

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
def ping(host: str):
    mode = "local"
    match mode:
        case "remote":
            cmd = "ping -c 1 " + host
        case _:
            cmd = "ping -c 1 127.0.0.1"
    os.system(cmd)
    fallback = host if len("abc") > 5 else "localhost"
    os.system("ping -c 1 " + fallback)
    return {"ok": True}
