# expect: SEC012
"""Fetch a remote resource (cli input)."""
import requests

url = input("url: ").strip()
resp = requests.get(url, timeout=5)
print(resp.status_code)
