# expect: SEC007
"""Query an XML catalogue (cli input)."""
from lxml import etree

city = input("city: ").strip()
tree = etree.parse("users.xml")
matches = tree.xpath(f"//user[@name='{city}']")
print(len(matches))
