# safe: SEC003
"""Look up records (flask)."""
import sqlite3
from flask import Flask, request

app = Flask(__name__)


@app.route("/profile", methods=["GET", "POST"])
def handle_q():
    term = request.args.get("q", "")
    SORTABLE = {"name", "created", "price"}
    if term not in SORTABLE:
        raise ValueError("bad sort column")
    conn = sqlite3.connect("app.db")
    print(conn.execute(f"SELECT * FROM items ORDER BY {term}").fetchall())
    return "ok"
