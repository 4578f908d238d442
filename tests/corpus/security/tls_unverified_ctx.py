# expect: SEC023
import ssl
import urllib.request


def download(url):
    ctx = ssl._create_unverified_context()
    with urllib.request.urlopen(url, context=ctx, timeout=30) as resp:
        return resp.read()
