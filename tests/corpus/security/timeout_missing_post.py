# expect: SEC029
import requests

WEBHOOK = "https://hooks.example.com/build"


def notify(status):
    requests.post(WEBHOOK, json={"status": status})
