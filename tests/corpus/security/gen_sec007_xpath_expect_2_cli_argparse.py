# expect: SEC007
"""Query an XML catalogue (cli argparse)."""
from lxml import etree
import argparse


def main():
    parser = argparse.ArgumentParser(description="isbn tool")
    parser.add_argument("--isbn", required=True)
    args = parser.parse_args()
    isbn = args.isbn
    doc = etree.parse("stores.xml")
    find = etree.XPath("//store[city='%s']" % isbn)
    print(find(doc))


if __name__ == "__main__":
    main()
