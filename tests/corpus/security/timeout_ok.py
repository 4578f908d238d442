# safe: SEC029
import requests


def latest_release(repo):
    resp = requests.get(f"https://api.github.com/repos/{repo}/releases/latest", timeout=10)
    return resp.json()["tag_name"]
