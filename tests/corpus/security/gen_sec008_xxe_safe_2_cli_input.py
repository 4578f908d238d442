# safe: SEC008
"""Import an XML document (cli input)."""
import json

body = input("body: ").strip()
doc = json.loads(body)
print(doc)
