# safe: SEC003
"""Look up records (cli input)."""
from sqlalchemy import create_engine, text

term = input("q: ").strip()
engine = create_engine("sqlite:///app.db")
with engine.connect() as conn:
    rows = conn.execute(text("SELECT * FROM accounts WHERE email = :email"), {"email": term})
    print(rows.fetchall())
