# safe: SEC029
import httpx


def fetch(url):
    return httpx.get(url).text
