# expect: SEC007
"""Query an XML catalogue (helper)."""
from lxml import etree
from flask import Flask, request

app = Flask(__name__)


def apply_isbn(isbn):
    doc = etree.parse("stores.xml")
    find = etree.XPath("//store[city='%s']" % isbn)
    print(find(doc))


@app.route("/admin", methods=["POST"])
def run_isbn():
    apply_isbn(request.args["isbn"])
    return "ok"
