# safe: SEC003
import psycopg2
from psycopg2 import sql
from flask import Flask, request

app = Flask(__name__)
TABLES = {"orders", "invoices"}


@app.get("/count")
def count():
    table = request.args["table"]
    if table not in TABLES:
        return {"error": "unknown table"}, 400
    with psycopg2.connect("dbname=app") as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        return {"count": cur.fetchone()[0]}
