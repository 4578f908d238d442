# expect: SEC004
"""Serve stored files (cli argparse)."""
import argparse


def main():
    parser = argparse.ArgumentParser(description="file tool")
    parser.add_argument("--file", required=True)
    args = parser.parse_args()
    filename = args.file
    with open("/var/data/" + filename, "rb") as fh:
        data = fh.read()
    print(len(data))


if __name__ == "__main__":
    main()
