# safe: SEC002
"""Run a maintenance command (cli input)."""
import os

branch = input("branch: ").strip()
print("requested", branch)
os.system("uptime")
