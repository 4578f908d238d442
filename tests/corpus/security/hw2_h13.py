# safe: SEC005, SEC010
from flask import Flask, request, render_template, redirect, url_for

app = Flask(__name__)


@app.route("/search")
def search():
    q = request.args.get("q", "")
    if not q:
        return redirect(url_for("home"))
    return render_template("search.html", q=q, results=[])
