# expect: SEC003
"""Look up records (flask path)."""
import sqlite3
from flask import Flask

app = Flask(__name__)


@app.route("/files/<region>")
def run_region(region):
    conn = sqlite3.connect("app.db")
    cur = conn.cursor()
    cur.execute(f"SELECT * FROM users WHERE name = '{region}'")
    rows = cur.fetchall()
    print(rows)
    return "ok"
