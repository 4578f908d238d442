# expect: SEC029
import requests


def latest_release(repo):
    resp = requests.get(f"https://api.github.com/repos/{repo}/releases/latest")
    return resp.json()["tag_name"]
