# safe: SEC005
from flask import Flask, request
from markupsafe import Markup

app = Flask(__name__)


@app.get("/q")
def q():
    return "<p>You searched for " + Markup.escape(request.args.get("q", "")) + "</p>"
