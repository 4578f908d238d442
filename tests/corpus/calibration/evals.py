import os
import sys


def calc():
    return eval(input("expression: "))  # expect: SEC001


def run_arg():
    exec(sys.argv[1])  # expect: SEC001


def from_env():
    return eval(os.environ["EXPR"])  # expect: SEC001


def handle(request):
    return eval(request.args["q"])  # expect: SEC001


def apply_rule(rule_text, row):
    return eval(rule_text, {"row": row})  # expect: SEC001


def load_config(path):
    with open(path) as fh:
        return eval(fh.read())  # expect: SEC001


OPS = {"add": "a + b", "sub": "a - b"}


def compute(op, a, b):
    return eval(OPS[op], {"a": a, "b": b})  # fp: SEC001 (fixed table of expressions)


def make_getter(field):
    src = f"lambda obj: obj.{field}"
    return eval(src)  # expect: SEC001


def define(name):
    code = "def " + name + "(): pass"
    exec(code)  # expect: SEC001


TEMPLATE = "x * 2"


def double(x):
    expr = TEMPLATE
    return eval(expr)  # fp: SEC001 (module constant)


def version_tuple():
    text = "(3, 11)"
    return eval(text)  # fp: SEC001 (local literal)
