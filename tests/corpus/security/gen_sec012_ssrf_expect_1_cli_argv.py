# expect: SEC012
"""Fetch a remote resource (cli argv)."""
from urllib.request import urlopen
import sys


def main():
    url = sys.argv[1]
    with urlopen(url, timeout=10) as resp:
        print(resp.read()[:100])


if __name__ == "__main__":
    main()
