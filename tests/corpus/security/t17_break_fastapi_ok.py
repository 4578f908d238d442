# safe: SEC002
"""The loop only decides between fixed commands before breaking out."""
import subprocess

from fastapi import FastAPI, Query

app = FastAPI()


@app.get("/lint")
def lint(tools: list[str] = Query(default=[])):
    chosen = "flake8"
    for tool in tools:
        if tool.endswith("lint"):
            chosen = "pylint"
            break
    out = subprocess.run(f"{chosen} --version", shell=True, capture_output=True, text=True)
    return {"version": out.stdout}
