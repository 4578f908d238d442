# safe: SEC002
"""Run a maintenance command (cli input)."""
import os
import shlex

target = input("target: ").strip()
os.system("ping -c 1 " + shlex.quote(target))
