# expect: SEC029
import requests


def call(method, url, **payload):
    return requests.request(method, url, json=payload)
