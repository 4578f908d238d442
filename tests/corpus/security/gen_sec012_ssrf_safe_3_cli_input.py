# safe: SEC012
"""Fetch a remote resource (cli input)."""
import httpx

webhook = input("webhook: ").strip()
r = httpx.get("https://api.example.com/search", params={"q": webhook})
print(r.json())
