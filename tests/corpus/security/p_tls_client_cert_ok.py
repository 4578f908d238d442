# safe: SEC023
import requests


def fetch(url):
    return requests.get(url, cert=("/etc/app/client.pem", "/etc/app/client.key"),
                        verify="/etc/app/ca.pem", timeout=10).json()
