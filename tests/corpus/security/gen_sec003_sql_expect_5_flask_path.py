# expect: SEC003
"""Look up records (flask path)."""
from sqlalchemy import create_engine, text
from flask import Flask

app = Flask(__name__)


@app.route("/admin/<region>")
def run_region(region):
    engine = create_engine("sqlite:///app.db")
    with engine.connect() as conn:
        stmt = text("SELECT * FROM accounts WHERE email = '" + region + "'")
        print(conn.execute(stmt).fetchall())
    return "ok"
