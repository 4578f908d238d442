# safe: SEC001
"""Evaluate user-supplied rules (cli input)."""


snippet = input("code: ").strip()
print(eval("2 ** 10"))
