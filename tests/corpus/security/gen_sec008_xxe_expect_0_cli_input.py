# expect: SEC008
"""Import an XML document (cli input)."""
from lxml import etree

document = input("doc: ").strip()
doc = etree.fromstring(document)
print(doc.tag)
