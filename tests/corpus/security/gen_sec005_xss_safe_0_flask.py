# safe: SEC005
"""Render a greeting (flask)."""
from flask import Flask, render_template, request

app = Flask(__name__)


@app.route("/files", methods=["GET", "POST"])
def view_comment():
    comment = request.cookies.get("comment", "")
    return render_template("hello.html", name=comment)
