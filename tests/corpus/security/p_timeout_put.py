# expect: SEC029
import requests


def upload(url, path):
    with open(path, "rb") as fh:
        return requests.put(url, data=fh).status_code
