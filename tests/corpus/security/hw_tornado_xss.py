# expect: SEC005
from flask import Flask, request

app = Flask(__name__)


@app.route("/search")
def search():
    q = request.args.get("q", "")
    results = ["a", "b"]
    html = "<h1>Results for %s</h1>" % q
    html += "".join(f"<li>{r}</li>" for r in results)
    return html
