# safe: SEC029
import requests

DEFAULTS = {"timeout": 5, "headers": {"User-Agent": "bot"}}


def fetch(url):
    return requests.get(url, **DEFAULTS).text
