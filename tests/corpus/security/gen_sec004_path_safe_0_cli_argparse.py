# safe: SEC004
"""Serve stored files (cli argparse)."""
from werkzeug.utils import secure_filename
import argparse
import os


def main():
    parser = argparse.ArgumentParser(description="doc tool")
    parser.add_argument("--doc", required=True)
    args = parser.parse_args()
    doc = args.doc
    with open(os.path.join("/srv/uploads", secure_filename(doc))) as fh:
        print(fh.read())


if __name__ == "__main__":
    main()
