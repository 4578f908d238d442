# expect: SEC030
import requests

HEADERS = {"Authorization": "token ghp_sMehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8"}


def open_issues(repo):
    return requests.get(f"https://api.github.com/repos/{repo}/issues", headers=HEADERS, timeout=10).json()
