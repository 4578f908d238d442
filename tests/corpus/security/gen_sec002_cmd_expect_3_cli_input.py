# expect: SEC002
"""Run a maintenance command (cli input)."""
import os

target = input("target: ").strip()
result = os.popen("nslookup {}".format(target)).read()
print(result)
