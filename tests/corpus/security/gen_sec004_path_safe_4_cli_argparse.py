# safe: SEC004
"""Serve stored files (cli argparse)."""
from pathlib import Path
import argparse


def main():
    parser = argparse.ArgumentParser(description="doc tool")
    parser.add_argument("--doc", required=True)
    args = parser.parse_args()
    doc = args.doc
    base = Path("/srv/docs").resolve()
    target = (base / doc).resolve()
    if not target.is_relative_to(base):
        raise PermissionError("escape attempt")
    print(target.read_text())


if __name__ == "__main__":
    main()
