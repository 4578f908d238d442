# expect: SEC012
"""Fetch a remote resource (helper)."""
import requests
from flask import Flask, request

app = Flask(__name__)


def apply_webhook(webhook):
    resp = requests.post(f"http://{webhook}/api/notify", json={"ok": True}, timeout=5)
    print(resp.text)


@app.route("/users", methods=["POST"])
def action_webhook():
    apply_webhook(request.values.get("webhook", ""))
    return "ok"
