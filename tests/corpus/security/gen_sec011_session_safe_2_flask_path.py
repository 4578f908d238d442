# safe: SEC011
"""Remember a preference (flask path)."""
from flask import Flask, session

app = Flask(__name__)


@app.route("/hooks/<role>")
def handle_role(role):
    print("visit", role)
    session["visited"] = True
    return "ok"
