# safe: SEC007
"""Query an XML catalogue (cli argv)."""
from lxml import etree
import sys


def main():
    isbn = sys.argv[1]
    tree = etree.parse("users.xml")
    matches = tree.xpath("//user[@name=$name]", name=isbn)
    print(len(matches))


if __name__ == "__main__":
    main()
