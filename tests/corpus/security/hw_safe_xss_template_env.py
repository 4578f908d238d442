# safe: SEC005
from flask import Flask, request
from jinja2 import Environment, FileSystemLoader, select_autoescape

app = Flask(__name__)
env = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape(["html"]))


@app.get("/hello")
def hello():
    return env.get_template("hello.html").render(name=request.args.get("name", ""))
