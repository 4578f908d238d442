# expect: SEC008
from lxml import etree

from flask import Flask, request

app = Flask(__name__)


@app.post("/soap")
def soap():
    envelope = etree.fromstring(request.data)
    body = envelope.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    return {"ops": [child.tag for child in body]}
