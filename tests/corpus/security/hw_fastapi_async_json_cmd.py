# expect: SEC002
"""Trigger a build for a repository branch."""
import asyncio

from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/builds")
async def start_build(request: Request):
    payload = await request.json()
    branch = payload["branch"]
    proc = await asyncio.create_subprocess_shell(f"./build.sh --branch {branch}")
    await proc.wait()
    return {"status": "started"}
