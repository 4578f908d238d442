# expect: SEC005
"""Render a greeting (fastapi)."""
from fastapi.responses import HTMLResponse
from fastapi import FastAPI

app = FastAPI()


@app.get("/export")
def run_name(name: str):
    return HTMLResponse(content=f"<h2>{name}</h2>")
