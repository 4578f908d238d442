# safe: SEC009
"""Restore saved state (cli input)."""
import json

blob = input("data: ").strip()
obj = json.loads(blob)
print(obj)
