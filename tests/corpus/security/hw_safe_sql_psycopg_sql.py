# safe: SEC003
import psycopg2
from psycopg2 import sql

from flask import Flask, request

app = Flask(__name__)


@app.get("/table")
def table():
    conn = psycopg2.connect("dbname=app")
    column = request.args.get("col", "id")
    query = sql.SQL("SELECT {} FROM items").format(sql.Identifier(column))
    with conn.cursor() as cur:
        cur.execute(query)
        return {"rows": cur.fetchall()}
