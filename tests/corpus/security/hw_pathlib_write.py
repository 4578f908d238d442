# expect: SEC004
from pathlib import Path

from fastapi import FastAPI, UploadFile

app = FastAPI()
UPLOADS = Path("/srv/uploads")


@app.post("/upload")
async def upload(file: UploadFile):
    target = UPLOADS / file.filename
    target.write_bytes(await file.read())
    return {"saved": str(target)}
