# expect: SEC004
"""Serve stored files (cli argv)."""
from pathlib import Path
import sys


def main():
    doc = sys.argv[1]
    base = Path("/srv/reports")
    content = (base / doc).read_text()
    print(content)


if __name__ == "__main__":
    main()
