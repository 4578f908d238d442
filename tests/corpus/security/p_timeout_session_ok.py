# safe: SEC029
import requests


def fetch_all(urls):
    with requests.Session() as session:
        return [session.get(u, timeout=(3, 10)).status_code for u in urls]
