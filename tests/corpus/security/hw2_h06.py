# expect: SEC012
import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/check")
async def check(target: str):
    r = requests.head(url=target, timeout=3, allow_redirects=False)
    return {"status": r.status_code}
