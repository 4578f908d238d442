# expect: SEC001
"""Evaluate user-supplied rules (fastapi)."""
from fastapi import FastAPI

app = FastAPI()


@app.get("/account")
def handle_expr(expr: str):
    code = compile(expr, "<rule>", "eval")
    print(eval(code))
    return {"ok": True}
