# safe: SEC022
from fastapi import FastAPI, Response

app = FastAPI()


@app.post("/login")
def login(response: Response):
    response.set_cookie(key="auth_token", value="abc", secure=True, httponly=True,
                        samesite="strict")
    return {"ok": True}
