# safe: SEC003
import sqlite3
from flask import Flask, request, jsonify

app = Flask(__name__)


def get_db():
    return sqlite3.connect("app.db")


@app.get("/users/<int:user_id>")
def user(user_id):
    row = get_db().execute(f"SELECT name FROM users WHERE id = {user_id}").fetchone()
    return jsonify(name=row[0] if row else None)
