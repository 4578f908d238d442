# expect: SEC003
"""Look up records (flask)."""
import pandas as pd
import sqlite3
from flask import Flask, request

app = Flask(__name__)


@app.route("/export", methods=["GET", "POST"])
def process_email():
    email = request.args["email"]
    conn = sqlite3.connect("sales.db")
    frame = pd.read_sql(f"select * from sales where region = '{email}'", conn)
    print(frame.head())
    return "ok"
