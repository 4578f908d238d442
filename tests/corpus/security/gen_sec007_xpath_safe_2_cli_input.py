# safe: SEC007
"""Query an XML catalogue (cli input)."""
from lxml import etree

isbn = input("isbn: ").strip()
doc = etree.parse("stores.xml")
print(isbn, doc.xpath("count(//store)"))
