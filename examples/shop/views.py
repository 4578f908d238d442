"""Flask views: request data flows into a shell command and a SQL query."""

import sqlite3
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/export")
def export():
    name = request.args.get("name", "orders")
    subprocess.run(f"tar czf /tmp/{name}.tgz data/{name}", shell=True)
    return "ok"


@app.route("/orders")
def orders():
    customer = request.args["customer"]
    db = sqlite3.connect("shop.db")
    # safe: the value is a parameter, not part of the SQL text
    safe = db.execute("SELECT * FROM orders WHERE customer = ?", (customer,)).fetchall()
    unsafe = db.execute("SELECT * FROM orders WHERE customer = '" + customer + "'").fetchall()
    return {"safe": safe, "unsafe": unsafe}
