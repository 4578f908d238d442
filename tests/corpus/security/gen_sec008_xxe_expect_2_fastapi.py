# expect: SEC008
"""Import an XML document (fastapi)."""
import lxml.etree
from fastapi import FastAPI

app = FastAPI()


@app.get("/api/v1/items")
def process_body(body: str):
    root = lxml.etree.XML(body)
    print([c.tag for c in root])
    return {"ok": True}
