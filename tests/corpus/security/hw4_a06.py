# expect: SEC004
from flask import Flask, request

app = Flask(__name__)


@app.get("/report")
def report():
    report_id = request.args.get("id")
    with open(f"reports/{report_id}.csv") as fh:
        return fh.read(), 200, {"Content-Type": "text/csv"}
