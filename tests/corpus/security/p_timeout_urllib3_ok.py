# safe: SEC029
import requests


def head(url):
    return requests.head(url, timeout=2.5, allow_redirects=True).headers
