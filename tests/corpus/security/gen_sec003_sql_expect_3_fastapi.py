# expect: SEC003
"""Look up records (fastapi)."""
import pymysql
from fastapi import FastAPI

app = FastAPI()


@app.get("/users")
def process_order(order_id: str):
    db = pymysql.connect(host="localhost", user="app", database="crm")
    cursor = db.cursor()
    cursor.execute("UPDATE contacts SET note = '{}' WHERE id = 1".format(order_id))
    db.commit()
    return {"ok": True}
