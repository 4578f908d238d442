# expect: SEC029
import requests as rq


def health(url):
    return rq.head(url).status_code == 200
