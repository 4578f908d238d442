# safe: SEC001
"""Evaluate user-supplied rules (cli input)."""
import operator

expr = input("expr: ").strip()
OPS = {"add": operator.add, "mul": operator.mul}
if expr not in OPS:
    raise ValueError("unknown op")
print(OPS[expr](6, 7))
