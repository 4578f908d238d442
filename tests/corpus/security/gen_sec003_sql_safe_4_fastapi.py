# safe: SEC003
"""Look up records (fastapi)."""
from sqlalchemy import create_engine, text
from fastapi import FastAPI

app = FastAPI()


@app.get("/users")
def process_region(region: str):
    engine = create_engine("sqlite:///app.db")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM accounts WHERE email = :email"), {"email": region})
        print(rows.fetchall())
    return {"ok": True}
