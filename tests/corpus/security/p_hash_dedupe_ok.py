# safe: SEC020
import hashlib


def dedupe(rows):
    seen = set()
    for row in rows:
        key = hashlib.md5(repr(row).encode()).hexdigest()
        if key not in seen:
            seen.add(key)
            yield row
