# expect: SEC003
import sqlite3
from flask import Flask, request

app = Flask(__name__)


@app.get("/find")
def find():
    params = request.args.to_dict()
    clauses = []
    for field in ("name", "city"):
        if field in params:
            clauses.append(f"{field} = '{params[field]}'")
    sql = "SELECT * FROM people"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    return {"rows": sqlite3.connect("p.db").execute(sql).fetchall()}
