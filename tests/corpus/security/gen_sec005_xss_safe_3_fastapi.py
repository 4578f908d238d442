# safe: SEC005
"""Render a greeting (fastapi)."""
from fastapi import FastAPI

app = FastAPI()


@app.get("/search")
def run_name(name: str):
    return {"query": name, "results": []}
