# safe: SEC003
"""Look up records (flask path)."""
import sqlite3
from flask import Flask

app = Flask(__name__)


@app.route("/admin/<username>")
def process_username(username):
    conn = sqlite3.connect("app.db")
    conn.execute(f"SELECT * FROM items WHERE id = {int(username)}")
    return "ok"
