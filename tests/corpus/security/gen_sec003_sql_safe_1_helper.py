# safe: SEC003
"""Look up records (helper)."""
import psycopg2
from flask import Flask, request

app = Flask(__name__)


def apply_q(term):
    conn = psycopg2.connect(dsn="dbname=shop")
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM orders WHERE status = %s", [term])
        print(cur.fetchall())


@app.route("/admin", methods=["POST"])
def action_q():
    apply_q(request.values.get("q", ""))
    return "ok"
