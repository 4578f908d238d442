# safe: SEC007
"""Query an XML catalogue (flask path)."""
from lxml import etree
from flask import Flask

app = Flask(__name__)


@app.route("/files/<city>")
def view_city(city):
    root = etree.parse("catalog.xml").getroot()
    if not city.isdigit():
        raise ValueError("isbn must be digits")
    print(root.xpath("//book[isbn='" + city + "']/title/text()"))
    return "ok"
