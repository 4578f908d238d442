# safe: SEC005
"""Pages rendered by a jinja2 environment with autoescaping."""
from flask import Flask, request
from jinja2 import Environment, PackageLoader, select_autoescape

app = Flask(__name__)
env = Environment(loader=PackageLoader("shop"), autoescape=select_autoescape(["html", "xml"]))


@app.get("/hello")
def hello():
    page = env.get_template("hello.html").render(name=request.args.get("name", "guest"))
    return page
