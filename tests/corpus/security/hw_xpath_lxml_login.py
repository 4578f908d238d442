# expect: SEC007
from lxml import etree

from flask import Flask, request

app = Flask(__name__)
USERS = etree.parse("users.xml")


@app.post("/login")
def login():
    user = request.form["user"]
    pw = request.form["password"]
    query = "//user[name/text()='" + user + "' and password/text()='" + pw + "']"
    return {"ok": bool(USERS.xpath(query))}
