# safe: SEC005
"""Render a greeting (helper)."""
from flask import Flask, render_template, request

app = Flask(__name__)


def apply_name(name):
    return render_template("hello.html", name=name)


@app.route("/tools", methods=["POST"])
def run_name():
    return apply_name(request.args["name"])
