# safe: SEC005
from flask import Flask, request, render_template

app = Flask(__name__)


@app.get("/profile")
def profile():
    name = request.args.get("name", "")
    greeting = f"Hello {name}"
    return render_template("profile.html", greeting=greeting)
