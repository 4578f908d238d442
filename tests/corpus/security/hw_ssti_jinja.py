# expect: SEC001
from flask import Flask, request
from jinja2 import Environment

app = Flask(__name__)
env = Environment(autoescape=True)


@app.post("/preview")
def preview():
    tpl = env.from_string(request.form["template"])
    return tpl.render(user="guest")
