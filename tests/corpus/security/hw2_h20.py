# safe: SEC011
from flask import Flask, request, session

app = Flask(__name__)
LANGS = {"en", "de", "fr"}


@app.post("/lang")
def set_lang():
    lang = request.form.get("lang", "en")
    session["lang"] = lang if lang in LANGS else "en"
    return "ok"
