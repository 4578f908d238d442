# expect: SEC023
import requests


def client():
    session = requests.Session()
    session.verify = False
    return session


def fetch(url):
    return requests.post(url, data={}, verify=False, timeout=10).json()
