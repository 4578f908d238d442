# expect: SEC008
"""Uploaded XML parsed with a module-level parser that expands entities."""
from flask import Flask, request
from lxml import etree

PARSER = etree.XMLParser(resolve_entities=True)
app = Flask(__name__)


@app.post("/import")
def import_feed():
    root = etree.fromstring(request.get_data(), parser=PARSER)
    return {"items": len(root)}
