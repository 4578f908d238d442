# expect: SEC008
"""Import an XML document (cli argparse)."""
from lxml import etree
import argparse


def main():
    parser = argparse.ArgumentParser(description="doc tool")
    parser.add_argument("--doc", required=True)
    args = parser.parse_args()
    document = args.doc
    doc = etree.fromstring(document)
    print(doc.tag)


if __name__ == "__main__":
    main()
