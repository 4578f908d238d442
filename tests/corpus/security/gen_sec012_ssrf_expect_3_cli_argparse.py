# expect: SEC012
"""Fetch a remote resource (cli argparse)."""
import argparse
import httpx


def main():
    parser = argparse.ArgumentParser(description="endpoint tool")
    parser.add_argument("--endpoint", required=True)
    args = parser.parse_args()
    endpoint = args.endpoint
    r = httpx.get(endpoint)
    print(r.json())


if __name__ == "__main__":
    main()
