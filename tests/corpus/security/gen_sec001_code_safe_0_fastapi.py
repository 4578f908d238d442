# safe: SEC001
"""Evaluate user-supplied rules (fastapi)."""
import ast
from fastapi import FastAPI

app = FastAPI()


@app.get("/reports")
def process_expr(expr: str):
    value = ast.literal_eval(expr)
    print(value)
    return {"ok": True}
