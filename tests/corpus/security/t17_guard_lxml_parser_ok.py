# safe: SEC008
"""Uploaded XML parsed with a hardened parser made once at import."""
from flask import Flask, request
from lxml import etree

app = Flask(__name__)
PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


@app.post("/import")
def import_feed():
    root = etree.fromstring(request.get_data(), PARSER)
    return {"items": len(root)}
