# expect: SEC003
"""Repository layer used by the views below."""
import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)


class OrderRepository:
    def __init__(self, path="orders.db"):
        self.conn = sqlite3.connect(path)

    def by_customer(self, customer):
        query = "SELECT * FROM orders WHERE customer = '{}' ORDER BY created".format(customer)
        return self.conn.execute(query).fetchall()


repo = OrderRepository()


@app.get("/orders")
def orders():
    return jsonify(repo.by_customer(request.args.get("customer", "")))
