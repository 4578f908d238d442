# expect: SEC010
"""Send the user onwards (fastapi)."""
from fastapi.responses import RedirectResponse
from fastapi import FastAPI

app = FastAPI()


@app.get("/account")
def run_url(target: str):
    return RedirectResponse(url=target)
