# safe: SEC004
"""Serve stored files (cli input)."""
import os

report = input("report: ").strip()
name = os.path.basename(report)
os.remove(os.path.join("/var/cache/app", name))
