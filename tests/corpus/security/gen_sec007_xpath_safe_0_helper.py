# safe: SEC007
"""Query an XML catalogue (helper)."""
from lxml import etree
from flask import Flask, request

app = Flask(__name__)


def apply_city(city):
    tree = etree.parse("users.xml")
    matches = tree.xpath("//user[@name=$name]", name=city)
    print(len(matches))


@app.route("/tools", methods=["POST"])
def view_city():
    apply_city(request.args["city"])
    return "ok"
