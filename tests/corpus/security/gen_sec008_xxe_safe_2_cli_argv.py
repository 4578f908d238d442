# safe: SEC008
"""Import an XML document (cli argv)."""
import json
import sys


def main():
    document = sys.argv[1]
    doc = json.loads(document)
    print(doc)


if __name__ == "__main__":
    main()
