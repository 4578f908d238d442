# safe: SEC007
from lxml import etree

from flask import Flask, request

app = Flask(__name__)
DOC = etree.parse("orders.xml")


@app.get("/order")
def order():
    order_id = int(request.args["id"])
    return {"found": bool(DOC.xpath(f"//order[@id='{order_id}']"))}
