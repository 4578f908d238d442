# expect: SEC004
"""Serve stored files (cli input)."""
from pathlib import Path

name = input("name: ").strip()
base = Path("/srv/reports")
content = (base / name).read_text()
print(content)
