# expect: SEC003
"""A branch on constants that always picks the query built from input."""
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.get("/report")
def report():
    num = 106
    name = request.args.get("name", "")
    if 7 * 18 + num > 200:
        sql = f"SELECT count(*) FROM orders WHERE customer = '{name}'"
    else:
        sql = "SELECT count(*) FROM orders"
    return {"n": sqlite3.connect("shop.db").execute(sql).fetchone()[0]}
