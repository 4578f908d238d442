# safe: SEC007
"""Query an XML catalogue (flask)."""
from lxml import etree
from flask import Flask, request

app = Flask(__name__)


@app.route("/reports", methods=["GET", "POST"])
def view_city():
    city = request.values.get("city", "")
    root = etree.parse("catalog.xml").getroot()
    if not city.isdigit():
        raise ValueError("isbn must be digits")
    print(root.xpath("//book[isbn='" + city + "']/title/text()"))
    return "ok"
