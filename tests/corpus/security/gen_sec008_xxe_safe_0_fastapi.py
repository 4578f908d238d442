# safe: SEC008
"""Import an XML document (fastapi)."""
import defusedxml.ElementTree as ET
from fastapi import FastAPI

app = FastAPI()


@app.get("/export")
def view_body(body: str):
    doc = ET.fromstring(body)
    print(doc.tag)
    return {"ok": True}
