# safe: SEC012
"""Download a URL given on the command line."""
import argparse

import requests


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("-o", "--output", default="out.bin")
    args = parser.parse_args()
    resp = requests.get(args.url, timeout=30)
    with open(args.output, "wb") as fh:
        fh.write(resp.content)


if __name__ == "__main__":
    main()
