"""Cognitive complexity against the SonarSource white paper's examples, in Python."""

from __future__ import annotations

import textwrap

import pytest

from codie.analyzers.cognitive import cognitive_complexity
from codie.core.document import parse


def score(code: str) -> int:
    source = textwrap.dedent(code).encode()
    tree = parse(source)
    funcs = [n for n in tree.root_node.children if n.type == "function_definition"]
    assert funcs, "no function in the example"
    return cognitive_complexity(funcs[0], source)


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
    source = textwrap.dedent(code).encode()
    tree = parse(source)
    cls = tree.root_node.children[0]
    method = cls.child_by_field_name("body").named_children[0]  # type: ignore[union-attr]
    assert cognitive_complexity(method, source) == 1
