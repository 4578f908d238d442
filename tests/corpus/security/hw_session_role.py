# expect: SEC011
from flask import Flask, request, session

app = Flask(__name__)


@app.post("/prefs")
def prefs():
    data = request.get_json()
    session["is_admin"] = data.get("is_admin", False)
    return {"ok": True}
