# expect: SEC022
from fastapi import FastAPI, Response

app = FastAPI()


@app.post("/login")
def login(response: Response):
    response.set_cookie(key="auth_token", value="abc", max_age=3600)
    return {"ok": True}
