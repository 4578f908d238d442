# expect: SEC003
"""Look up records (helper)."""
import psycopg2
from flask import Flask, request

app = Flask(__name__)


def apply_status(status):
    conn = psycopg2.connect(dsn="dbname=shop")
    with conn.cursor() as cur:
        query = "SELECT id, total FROM orders WHERE status = '%s'" % status
        cur.execute(query)
        print(cur.fetchall())


@app.route("/admin", methods=["POST"])
def action_status():
    apply_status(request.args.get("status", ""))
    return "ok"
