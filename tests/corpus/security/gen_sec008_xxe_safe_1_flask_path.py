# safe: SEC008
"""Import an XML document (flask path)."""
from lxml import etree
from flask import Flask

app = Flask(__name__)


@app.route("/reports/<document>")
def view_doc(document):
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    doc = etree.fromstring(document, parser=parser)
    print(doc.tag)
    return "ok"
