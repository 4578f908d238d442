# expect: SEC012
"""Fetch a remote resource (helper)."""
import httpx
from flask import Flask, request

app = Flask(__name__)


def apply_webhook(webhook):
    r = httpx.get(webhook)
    print(r.json())


@app.route("/account", methods=["POST"])
def view_webhook():
    apply_webhook(request.args.get("webhook", ""))
    return "ok"
