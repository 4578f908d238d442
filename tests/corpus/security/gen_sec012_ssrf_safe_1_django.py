# safe: SEC012
"""Fetch a remote resource (django)."""
from django.http import JsonResponse
from urllib.parse import urlparse
import requests


def action_webhook(request):
    webhook = request.POST["webhook"]
    ALLOWED = {"hooks.slack.com", "api.example.com"}
    parsed = urlparse(webhook)
    if parsed.hostname not in ALLOWED:
        raise ValueError("host not allowed")
    requests.post(webhook, json={"text": "hi"}, timeout=5)
    return JsonResponse({"ok": True})
