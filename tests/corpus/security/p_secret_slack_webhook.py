# expect: SEC030
import requests

WEBHOOK = "https://hooks.slack.com/services/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"


def notify(text):
    requests.post(WEBHOOK, json={"text": text}, timeout=5)
