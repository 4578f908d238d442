# safe: SEC003
"""A branch on constants that always picks the fixed query."""
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.get("/report")
def report():
    num = 86
    name = request.args.get("name", "")
    if 7 * 18 + num > 200:
        sql = "SELECT count(*) FROM orders"
    else:
        sql = f"SELECT count(*) FROM orders WHERE customer = '{name}'"
    return {"n": sqlite3.connect("shop.db").execute(sql).fetchone()[0]}
