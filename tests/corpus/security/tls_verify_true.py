# safe: SEC023
import requests


def ping(url):
    return requests.head(url, verify=True, timeout=3).ok
