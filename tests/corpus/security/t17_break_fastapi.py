# expect: SEC002
"""Pick the first tool the client names that looks like ours, then run it."""
import subprocess

from fastapi import FastAPI, Query

app = FastAPI()


@app.get("/lint")
def lint(tools: list[str] = Query(default=[])):
    chosen = "flake8"
    for tool in tools:
        if tool.endswith("lint"):
            chosen = tool
            break
    out = subprocess.run(f"{chosen} --version", shell=True, capture_output=True, text=True)
    return {"version": out.stdout}
