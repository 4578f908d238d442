# safe: SEC023
import requests

VERIFY_TLS = True


def fetch(url):
    return requests.get(url, verify=VERIFY_TLS, timeout=10).text
