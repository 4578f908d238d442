# safe: SEC012
"""Fetch a remote resource (cli argv)."""
import requests
import sys


def main():
    host = sys.argv[1]
    resp = requests.get(f"https://api.github.com/users/{host}", timeout=5)
    print(resp.json())


if __name__ == "__main__":
    main()
