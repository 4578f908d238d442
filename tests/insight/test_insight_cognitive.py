"""Cognitive complexity (analyzers/function_figures.py) against the SonarSource white
paper's examples, in Python, and further hand-checked cases of its rules: nesting,
sequences of boolean operators, recursion, `else`/`elif`, decorators, lambdas and classes.
Each figure is checked on both paths: the complexity analyzer's walk from the function and
the metrics' walk of the module."""

from __future__ import annotations

import textwrap

import pytest

from codie.analyzers.function_figures import function_figures
from codie.analyzers.metrics import flatten, module_metrics
from codie.core.document import parse


def scores(code: str) -> dict[str, int]:
    """Every function's cognitive complexity by qualname, the same on both paths."""
    source = textwrap.dedent(code).encode()
    tree = parse(source)
    metrics = {m.qualname: m.cognitive for m in flatten(module_metrics(tree, source)) if m.kind != "module"}
    for top in tree.root_node.children:
        if top.type == "function_definition":
            for figures in function_figures(top, source):
                assert metrics[figures.qualname] == figures.cognitive, figures.qualname
    return metrics


def score(code: str) -> int:
    """The cognitive complexity of the example's first function."""
    source = textwrap.dedent(code).encode()
    funcs = [n for n in parse(source).root_node.children if n.type == "function_definition"]
    assert funcs, "no function in the example"
    name = funcs[0].child_by_field_name("name")
    assert name is not None
    return scores(code)[source[name.start_byte : name.end_byte].decode()]


# White paper §"Nesting": try / if / for / while / except / if = 9
NESTING = """
def my_method():
    try:
        if condition1:                 # +1
            for i in range(10):        # +2 (nesting 1)
                while condition2:      # +3 (nesting 2)
                    pass
    except (ExcepType1, ExcepType2):   # +1
        if condition2:                 # +2 (nesting 1)
            pass
"""

# White paper: a lambda raises nesting without an increment of its own = 2
LAMBDA = """
def my_method2():
    r = lambda: (do() if condition1 else None)   # +2 (nesting 1)
"""

# White paper's overriddenSymbolFrom = 19
OVERRIDDEN = """
def overridden_symbol_from(class_type):
    if class_type.is_unknown():                      # +1
        return UNKNOWN
    unknown_found = False
    symbols = class_type.symbol.members().lookup(name)
    for override_symbol in symbols:                  # +1
        if (override_symbol.is_kind(MTH)             # +2 (nesting 1)
                and not override_symbol.is_static()):  # +1
            method_symbol = override_symbol
            if can_override(method_symbol):          # +3 (nesting 2)
                overriding = check_overriding(method_symbol, class_type)
                if overriding is None:               # +4 (nesting 3)
                    if not unknown_found:            # +5 (nesting 4)
                        unknown_found = True
                elif overriding:                     # +1
                    return method_symbol
    if unknown_found:                                # +1
        return UNKNOWN
    return None
"""

# White paper's toRegexp = 20
TO_REGEXP = """
def to_regexp(ant_pattern, directory_separator):
    escaped = "\\\\" + directory_separator
    sb = ["^"]
    i = 1 if ant_pattern.startswith("/") or ant_pattern.startswith("\\\\") else 0  # +1 +1
    while i < len(ant_pattern):                                  # +1
        ch = ant_pattern[i]
        if ch in SPECIAL_CHARS:                                  # +2 (nesting 1)
            sb.append("\\\\" + ch)
        elif ch == "*":                                          # +1
            if i + 1 < len(ant_pattern) and ant_pattern[i + 1] == "*":  # +3 (nesting 2) +1
                if i + 2 < len(ant_pattern) and is_slash(ant_pattern[i + 2]):  # +4 (n. 3) +1
                    sb.append("(?:.*" + escaped + "|)")
                    i += 2
                else:                                            # +1
                    sb.append(".*")
                    i += 1
            else:                                                # +1
                sb.append("[^" + escaped + "]*?")
        elif ch == "?":                                          # +1
            sb.append("[^" + escaped + "]")
        elif is_slash(ch):                                       # +1
            sb.append(escaped)
        else:                                                    # +1
            sb.append(ch)
        i += 1
    sb.append("$")
    return "".join(sb)
"""

# White paper: sequences of like boolean operators
BOOLEANS = """
def f():
    if (a            # +1 for `if`
            and b and c  # +1
            or d or e    # +1
            and f):      # +1
        pass
"""

NEGATED_GROUP = """
def f():
    if a and not (b and c):  # +1 if, +1 `and`, +1 the negated group's `and`
        pass
"""

# White paper: switch (here `match`) counts once, whatever its number of cases = 1
GET_WORDS = """
def get_words(number):
    match number:          # +1
        case 1:
            return "one"
        case 2:
            return "a couple"
        case 3:
            return "a few"
        case _:
            return "lots"
"""

# White paper: sumOfPrimes, with Python's for/else instead of `continue OUT`:
# for +1, nested for +2, if +3, the inner loop's else +1 = 7
SUM_OF_PRIMES = """
def sum_of_primes(max_value):
    total = 0
    for i in range(1, max_value + 1):     # +1
        for j in range(2, i):             # +2 (nesting 1)
            if i % j == 0:                # +3 (nesting 2)
                break
        else:                             # +1
            total += i
    return total
"""

# Recursion: +1 for a function that calls itself
RECURSION = """
def factorial(n):
    if n <= 1:            # +1
        return 1
    return n * factorial(n - 1)   # +1 (recursion)
"""

# try/finally/with are free; else of if costs one, no nesting
FREE = """
def f(path):
    with open(path) as fh:
        try:
            data = fh.read()
        finally:
            fh.close()
    if data:             # +1
        return data
    else:                # +1
        return None
"""

# A decorator's wrapper is not nested one level deeper (SonarPython's exemption)
DECORATOR = """
def trace(func):
    def wrapper(*args):
        if args:          # +1 (nesting 0: decorator pattern)
            log(args)
        return func(*args)
    return wrapper
"""

NESTED_FUNCTION = """
def outer(xs):
    x = 1
    def inner():
        if x:              # +2 (nesting 1: inside a nested function)
            return 1
    return inner
"""


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (NESTING, 9),
        (LAMBDA, 2),
        (OVERRIDDEN, 19),
        (TO_REGEXP, 20),
        (BOOLEANS, 4),
        (NEGATED_GROUP, 3),
        (GET_WORDS, 1),
        (SUM_OF_PRIMES, 7),
        (RECURSION, 2),
        (FREE, 2),
        (DECORATOR, 1),
        (NESTED_FUNCTION, 2),
    ],
    ids=[
        "nesting",
        "lambda",
        "overridden_symbol_from",
        "to_regexp",
        "boolean_sequences",
        "negated_group",
        "get_words_match",
        "sum_of_primes",
        "recursion",
        "free_structures",
        "decorator",
        "nested_function",
    ],
)
def test_white_paper_examples(code: str, expected: int) -> None:
    assert score(code) == expected


def test_straight_line_code_is_zero() -> None:
    assert score("def f(a, b):\n    c = a + b\n    return c\n") == 0


def test_method_recursion_through_self() -> None:
    code = """
    class Tree:
        def size(self):
            return 1 + sum(c.size() for c in self.children) + self.size()
    """
    assert scores(code)["Tree.size"] == 1


# Further cases of the rules, counted by hand -----------------------------------------------
ELSE_IF_CHAIN = """
def f(x):
    if x == 1:        # +1
        return 1
    elif x == 2:      # +1
        return 2
    elif x == 3:      # +1
        return 3
    else:             # +1
        return 0
"""

# an `if` in an `elif`'s body is nested one level (the `elif` itself is not)
IF_IN_ELIF = """
def f(x, y):
    if x:             # +1
        pass
    elif y:           # +1
        if x and y:   # +2 (nesting 1), +1 `and`
            pass
"""

# `else: if` is not `elif`: the inner `if` is nested
ELSE_THEN_IF = """
def f(a, b):
    if a:          # +1
        pass
    else:          # +1
        if b:      # +2 (nesting 1)
            pass
"""

# one increment per run of like operators, in structures or not; `not` does not break a run
BOOLEAN_RUNS = """
def f(a, b, c, d):
    x = a and b and c         # +1
    y = a and b or c and d    # +3
    z = a and not b and c     # +1
    return x or y             # +1
"""

# recursion counts once however many calls
FIB = """
def fib(n):
    if n < 2:                          # +1
        return n
    return fib(n - 1) + fib(n - 2)     # +1
"""

# another object's method or a module function of the same name is not recursion
NOT_RECURSION = """
class T:
    def walk(self, other):
        other.walk(self)
        walk(self)
        return 0
"""

# a nested function's call of the function around it: that function is recursive
OUTER_RECURSION = """
def outer(n):
    def inner():
        return outer(n - 1)   # +1 for outer, nothing for inner
    return inner
"""

# a lambda raises the nesting of what is in it
LAMBDA_IN_LOOP = """
def f(xs):
    for x in xs:                        # +1
        g = lambda: 1 if x else 2       # +3 (nesting 2: the loop's body, the lambda)
"""

# a conditional expression nests what is in it
NESTED_CONDITIONAL = """
def f(a, b, c, d, e):
    return a if b else (c if d else e)   # +1, +2 (nesting 1)
"""

# except clauses nest; `else` costs one; `try` and `finally` are free
TRY_IN_LOOP = """
def f(xs):
    for x in xs:              # +1
        try:
            g(x)
        except ValueError:    # +2 (nesting 1)
            continue
        except TypeError:     # +2 (nesting 1)
            break
        else:                 # +1
            pass
        finally:
            pass
"""

WHILE_ELSE = """
def f(a):
    while a:       # +1
        a -= 1
    else:          # +1
        pass
"""

# `match` nests its cases' bodies
MATCH_IN_LOOP = """
def f(xs):
    for x in xs:              # +1
        match x:              # +2 (nesting 1)
            case 1:
                if x:         # +3 (nesting 2)
                    pass
            case _:
                pass
"""

# comprehensions are free; their boolean operators are not
COMPREHENSION = """
def f(xs, z):
    return [y for y in xs if y and z]   # +1 `and`
"""

# not a decorator (its body holds more than definitions and a return): the wrapper nests
NOT_A_DECORATOR = """
def deco(func):
    count = 0
    def wrapper():
        if func:       # +2 (nesting 1)
            pass
    return wrapper
"""

# a docstring keeps the decorator exemption
DECORATOR_WITH_DOCSTRING = """
def deco(func):
    \"\"\"Doc.\"\"\"
    def wrapper():
        if func:       # +1 (nesting 0)
            pass
    return wrapper
"""

# a class in a function raises the nesting of its methods' code
CLASS_IN_FUNCTION = """
def f():
    class A:
        def m(self):
            if x:      # +3 for f (nesting 2: the class, the method), +1 for A.m
                pass
    return A
"""


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (ELSE_IF_CHAIN, {"f": 4}),
        (IF_IN_ELIF, {"f": 5}),
        (ELSE_THEN_IF, {"f": 4}),
        (BOOLEAN_RUNS, {"f": 6}),
        (FIB, {"fib": 2}),
        (NOT_RECURSION, {"T": 0, "T.walk": 0}),
        (OUTER_RECURSION, {"outer": 1, "outer.inner": 0}),
        (LAMBDA_IN_LOOP, {"f": 4}),
        (NESTED_CONDITIONAL, {"f": 3}),
        (TRY_IN_LOOP, {"f": 6}),
        (WHILE_ELSE, {"f": 2}),
        (MATCH_IN_LOOP, {"f": 6}),
        (COMPREHENSION, {"f": 1}),
        (NOT_A_DECORATOR, {"deco": 2, "deco.wrapper": 1}),
        (DECORATOR_WITH_DOCSTRING, {"deco": 1, "deco.wrapper": 1}),
        (CLASS_IN_FUNCTION, {"f": 3, "f.A": 1, "f.A.m": 1}),
    ],
    ids=[
        "else_if_chain",
        "if_in_elif",
        "else_then_if",
        "boolean_runs",
        "recursion_once",
        "not_recursion",
        "outer_recursion",
        "lambda_in_loop",
        "nested_conditional",
        "try_in_loop",
        "while_else",
        "match_in_loop",
        "comprehension",
        "not_a_decorator",
        "decorator_with_docstring",
        "class_in_function",
    ],
)
def test_rules_by_hand(code: str, expected: dict[str, int]) -> None:
    assert scores(code) == expected
