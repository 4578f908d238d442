# safe: SEC008
"""Import an XML document (helper)."""
import defusedxml.ElementTree as ET
from flask import Flask, request

app = Flask(__name__)


def apply_xml(payload):
    doc = ET.fromstring(payload)
    print(doc.tag)


@app.route("/profile", methods=["POST"])
def run_xml():
    apply_xml(request.form["xml"])
    return "ok"
