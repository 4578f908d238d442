# expect: SEC001
"""Evaluate user-supplied rules (fastapi)."""
from jinja2 import Template
from fastapi import FastAPI

app = FastAPI()


@app.get("/users")
def view_rule(rule: str):
    page = Template("Dear " + rule + ",").render()
    print(page)
    return {"ok": True}
