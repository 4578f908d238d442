# safe: SEC003
import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/items")
def items():
    ids = request.args.getlist("id")
    placeholders = ",".join("?" for _ in ids)
    db = sqlite3.connect("items.db")
    rows = db.execute(f"SELECT * FROM items WHERE id IN ({placeholders})", ids).fetchall()
    return jsonify(rows)
