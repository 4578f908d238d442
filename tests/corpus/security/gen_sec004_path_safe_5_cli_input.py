# safe: SEC004
"""Serve stored files (cli input)."""


filename = input("file: ").strip()
KNOWN = {"summary.txt", "totals.txt"}
if filename in KNOWN:
    with open("/var/data/" + filename) as fh:
        print(fh.read())
