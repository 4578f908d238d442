"""The figures of analyzers/function_figures.py, pinned against references that share none
of its code: radon 6.0.1's cyclomatic complexity (functions, classes, module totals) and
raw line counts, and hand-checked examples (line counts here, cognitive complexity in
test_insight_cognitive.py). Its two entry points, the complexity analyzer's walk from one
function and the metrics' walk of the whole module, must give each function the same
figures."""

from __future__ import annotations

import bisect
import random
import sysconfig
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from radon.complexity import cc_visit
from radon.raw import analyze
from radon.visitors import Class, ComplexityVisitor, Function
from tree_sitter import Node

from codie.analyzers.complexity import ComplexityAnalyzer
from codie.analyzers.function_figures import (
    KIND_NAMES,
    MAX_NESTING,
    ONE_ROW_LEAVES,
    TOKENS_SKIPPED,
    Lines,
    _line_ends,
    function_figures,
    outermost_functions,
)
from codie.analyzers.metrics import CLASS, Metrics, flatten, module_metrics
from codie.core.analyzer import Context
from codie.core.config import Settings
from codie.core.document import Document, parse
from codie.core.rules import catalogue

STDLIB = Path(sysconfig.get_paths()["stdlib"])
MODULES = ("typing.py", "inspect.py", "argparse.py", "email/_header_value_parser.py", "asyncio/base_events.py")

TRICKY = textwrap.dedent(
    '''
    import functools

    def deco(f):
        @functools.wraps(f)
        def wrapper(*a, **k):
            if a and k or not a:
                return f(*a, **k) if a else None
            def inner():
                for x in a:
                    if x:
                        continue
                else:
                    pass
                return inner()
            return wrapper(*a)
        return wrapper

    def deco2(f):
        """A decorator's body: only definitions, a docstring and a return."""
        def w():
            while True:
                try:
                    pass
                except* ValueError:
                    pass
                except TypeError:
                    return w()
                else:
                    break
                finally:
                    pass
        return w

    class A:
        def m(self, x=lambda y: y if y else 0) -> (1 if True else 2):
            match x:
                case 1 | 2 if x > 1:
                    return self.m(x - 1)
                case [a, *_] if a:
                    pass
                case _:
                    m(x)
            class B(object if x else int):
                def m(self):
                    assert x if x else x, (lambda: x and x or x)()
                    return self.m()
                @staticmethod
                def n(): return [i for i in range(3) if i if not i]
            def g(cls):
                return cls.g() and (x or (x and x)) or x
            return B

    async def agen():
        async with a as b:
            async for i in b:
                yield i
        def m(self): return self.m()
        "not a docstring"
        f"""doc {agen} x"""
        s = """a
        # b

        c"""
        return s \\
            + s

    if True:
        def cond(): return cond()
        class C:
            if True:
                def m(self): return self.m()
    '''
)
DEEP_FUNCTIONS = "".join("    " * i + f"def f{i}():\n" + "    " * (i + 1) + "if x and y: pass\n" for i in range(60))
# a method at every depth: those below MAX_NESTING are not measured
DEEP_CLASSES = "".join(
    "    " * i + f"class C{i}:\n" + "    " * (i + 1) + "def m(self): return self.m() if a else b\n" for i in range(55)
)
BROKEN = "def f(:\n    if x\n        return [\ndef g(a, b\n   def h(): pass\n"

Row = tuple[str, int, int, int, int, int]  # qualname, name span, cyclomatic, cognitive, sloc


def stdlib(name: str) -> bytes:
    path = STDLIB / name
    if not path.is_file():
        pytest.skip(f"{name} is not in this Python's standard library")
    return path.read_bytes()


def one_walk(source: bytes) -> list[Row]:
    """Every function's figures as the complexity analyzer measures them."""
    tree = parse(source)
    out: list[Row] = []
    for top in tree.root_node.children:
        for func, prefix, depth, is_method in outermost_functions(top, source):
            base = func.start_byte
            for f in function_figures(func, source, depth, is_method):
                qualname = f"{prefix}.{f.qualname}" if prefix else f.qualname
                out.append((qualname, base + f.name_start, base + f.name_end, f.cyclomatic, f.cognitive, f.sloc))
    return out


def module_walk(source: bytes) -> list[Row]:
    """Every function's figures as `codie metrics` measures them."""
    module = module_metrics(parse(source), source)
    functions = [m for m in flatten(module) if m.kind in ("function", "method")]
    return [
        (m.qualname, m.name_start, m.name_end, m.cyclomatic, m.cognitive, m.lines.sloc)
        for m in sorted(functions, key=lambda m: m.start)
    ]


def by_line(source: bytes) -> dict[tuple[int, str], Metrics]:
    """module_metrics' definitions, keyed as radon names its blocks: (1-based line, name)."""
    return {(m.line + 1, m.name): m for m in flatten(module_metrics(parse(source), source)) if m.kind != "module"}


def radon_blocks(text: str) -> Iterator[Function | Class]:
    def walk(block: Function | Class) -> Iterator[Function | Class]:
        yield block
        if isinstance(block, Class):
            for method in block.methods:
                yield from walk(method)
            for inner in block.inner_classes:
                yield from walk(inner)
        else:
            for closure in block.closures:
                yield from walk(closure)

    for block in cc_visit(text):
        yield from walk(block)


# cyclomatic complexity: radon --------------------------------------------------------------
@pytest.mark.parametrize("name", MODULES)
def test_cyclomatic_equals_radons_for_every_function_class_and_module(name: str) -> None:
    source = stdlib(name)
    text = source.decode()
    ours = by_line(source)
    compared = 0
    for block in radon_blocks(text):
        mine = ours[(block.lineno, block.name)]
        if isinstance(block, Class):
            assert (mine.cyclomatic, mine.real_cyclomatic) == (block.complexity, block.real_complexity), block
        else:
            assert mine.cyclomatic == block.complexity, block
        compared += 1
    assert compared > 100
    module = module_metrics(parse(source), source)
    assert module.cyclomatic == ComplexityVisitor.from_code(text).total_complexity


@pytest.mark.parametrize("name", MODULES)
def test_the_analyzers_cyclomatic_equals_radons(name: str) -> None:
    source = stdlib(name)
    theirs = {(b.lineno, b.name): b.complexity for b in radon_blocks(source.decode()) if isinstance(b, Function)}
    tree = parse(source)
    ours = {}
    for row in one_walk(source):
        func = tree.root_node.descendant_for_byte_range(row[1], row[2])
        while func is not None and func.type != "function_definition":
            func = func.parent
        assert func is not None
        ours[(func.start_point.row + 1, row[0].rpartition(".")[2])] = row[3]
    # radon does not report the methods of a class inside a function; every function it
    # reports has the analyzer's figure
    assert {key: ours.get(key) for key in theirs} == theirs
    assert len(theirs) > 100


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("    if a:\n        pass\n    elif b:\n        pass\n    else:\n        pass\n", 3),
        ("    while a:\n        pass\n    else:\n        pass\n", 3),
        ("    try:\n        pass\n    except* A:\n        pass\n", 1),  # radon 6.0.1 skips TryStar
        ("    match a:\n        case 1 if b:\n            pass\n        case x:\n            pass\n", 2),
        ("    return [i for i in a for j in b if i if j]\n", 5),
        ("    def g(x=a or b):\n        return x and a\n    return g\n", 1),
        ("    @d(a and b)\n    def g():\n        pass\n    return g\n", 1),
        ("    class K(a if b else object):\n        x = a or b\n", 1),
    ],
)
def test_cyclomatic_of_small_functions_equals_radons(body: str, expected: int) -> None:
    text = "def f(a, b):\n" + body
    (theirs,) = [b for b in cc_visit(text) if isinstance(b, Function) and b.name == "f"]
    assert theirs.complexity == expected  # the case is what it means to be
    assert by_line(text.encode())[(1, "f")].cyclomatic == expected
    assert one_walk(text.encode())[0][3] == expected


def test_class_and_module_decisions_outside_functions_equal_radons() -> None:
    text = textwrap.dedent("""
        x = 1 if a else 2
        for i in y:
            pass
        class K(a if b else object):
            y = [i for i in z if i]
            def m(self):
                return self and x
            def n(self):
                pass
        def f():
            return a or b
    """)
    ours = by_line(text.encode())
    (klass,) = [b for b in cc_visit(text) if isinstance(b, Class)]
    assert (ours[(5, "K")].cyclomatic, ours[(5, "K")].real_cyclomatic) == (klass.complexity, klass.real_complexity)
    module = module_metrics(parse(text.encode()), text.encode())
    assert module.cyclomatic == ComplexityVisitor.from_code(text).total_complexity == 9


# line counts: radon's raw metrics, where the definitions agree -------------------------------
@pytest.mark.parametrize("name", MODULES)
def test_line_counts_equal_radons(name: str) -> None:
    """loc, comments and blank rows are radon's for every function and for the module;
    source lines too, for a function without comments (radon counts a comment-only row
    inside brackets as source, codie only rows holding code: see the hand-checked cases)."""
    source = stdlib(name)
    module = module_metrics(parse(source), source)
    raw = analyze(source.decode())
    assert (module.lines.loc, module.lines.comments, module.lines.blank) == (raw.loc, raw.comments, raw.blank)
    functions = [m for m in flatten(module) if m.kind in ("function", "method")]
    compared = 0
    for m in functions:
        row_start = source.rfind(b"\n", 0, m.start) + 1
        raw = analyze(textwrap.dedent(source[row_start : m.end].decode()))
        assert (m.lines.loc, m.lines.comments, m.lines.blank) == (raw.loc, raw.comments, raw.blank), m.qualname
        if not m.lines.comments:
            assert m.lines.sloc == raw.sloc, m.qualname
            compared += 1
    assert compared > 50


# line counts: hand-checked ------------------------------------------------------------------
LINES_FUNCTION = '''
def f(a):
    """Doc."""
    # comment

    x = [      # trailing
        a,
        # inside brackets
    ]
    return x
'''
LINES_STRINGS = '''
def g():
    s = """a
    b"""
    """not first,
    still a string statement"""
    return s
'''
LINES_CLAUSES = """
def h(xs):
    try:
        pass
    except ValueError:
        pass
    finally:
        pass
    for x in xs:
        pass
    else:
        pass
    if xs:
        pass
    elif x:
        pass
"""
LINES_MODULE = '''"""Module doc."""
import os  # why


class A:
    x = 1

    def m(self):
        if os:
            return 1
        else:
            return 2
'''


def lines_of(code: str) -> dict[str, Lines]:
    source = code.encode()
    return {m.qualname or "<module>": m.lines for m in flatten(module_metrics(parse(source), source))}


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        # rows 0 def, 1 docstring, 2 comment, 3 blank, 4-7 the list (6: a comment only), 8 return;
        # statements: def, docstring, assignment, return
        (LINES_FUNCTION, "f", Lines(loc=9, sloc=5, lloc=4, comments=3, multi=1, blank=1)),
        # the assigned string is code; the string statement is not
        (LINES_STRINGS, "g", Lines(loc=6, sloc=4, lloc=4, comments=0, multi=2, blank=0)),
        # def, try, except, finally, for, else, if, elif and 7 `pass`
        (LINES_CLAUSES, "h", Lines(loc=15, sloc=15, lloc=15, comments=0, multi=0, blank=0)),
        # the module holds its definitions' lines: docstring, import, class, x, def, if,
        # return, else, return
        (LINES_MODULE, "<module>", Lines(loc=12, sloc=8, lloc=9, comments=1, multi=1, blank=3)),
        (LINES_MODULE, "A", Lines(loc=8, sloc=7, lloc=7, comments=0, multi=0, blank=1)),
        (LINES_MODULE, "A.m", Lines(loc=5, sloc=5, lloc=5, comments=0, multi=0, blank=0)),
    ],
    ids=["function", "strings", "clauses", "module", "class", "method"],
)
def test_line_counts_by_hand(code: str, name: str, expected: Lines) -> None:
    assert lines_of(code.lstrip("\n"))[name] == expected


def test_the_analyzers_source_lines_are_the_metrics_source_lines() -> None:
    source = LINES_FUNCTION.lstrip("\n").encode()
    assert [row[5] for row in one_walk(source)] == [5]


# the two entry points of the walk ---------------------------------------------------------
def sources() -> Iterator[tuple[str, bytes]]:
    yield "tricky", TRICKY.encode()
    yield "deep functions", DEEP_FUNCTIONS.encode()
    yield "deep classes", DEEP_CLASSES.encode()
    yield "broken", BROKEN.encode()
    for name in MODULES:
        path = STDLIB / name
        if path.is_file():
            yield name, path.read_bytes()


@pytest.mark.parametrize(("name", "source"), list(sources()), ids=lambda v: v if isinstance(v, str) else "")
def test_the_analyzer_and_the_metrics_give_the_same_figures(name: str, source: bytes) -> None:
    measured = one_walk(source)
    assert measured == module_walk(source)
    assert measured or name == "broken"


def test_the_tricky_source_exercises_nesting_recursion_and_decorators() -> None:
    rows = {row[0]: row[3:] for row in one_walk(TRICKY.encode())}
    # (cyclomatic, cognitive, sloc). inner: its loop (+1), the `if` in it (+2), the loop's
    # `else` (+1), its recursion (+1)
    assert rows["deco.wrapper.inner"] == (4, 5, 7)
    # a decorator's wrapper does not nest: deco counts wrapper's increments as wrapper does
    # (12), without wrapper's recursion
    assert rows["deco.wrapper"][1] == 12 and rows["deco"][1] == 11
    assert rows["A.m.B.m"][1] == 4  # the conditional (+1), `and`/`or` in a lambda (+2), recursion (+1)
    assert rows["agen.m"][1] == 0  # `self.m()` in a function that is not a method
    assert rows["C.m"][1] == 0  # a method in an `if` of the class body is not a method
    assert rows["cond"][1] == 1  # a function calling itself
    # the `while` (+1); a `try` with an `except*` handler is no decision for radon 6.0.1
    # (ast.TryStar is unknown to it)
    assert rows["deco2.w"][0] == 2


def test_definitions_nested_past_the_limit_are_not_measured_on_their_own() -> None:
    names = [row[0] for row in one_walk(DEEP_FUNCTIONS.encode())]
    assert len(names) == MAX_NESTING + 1 and names[-1].endswith(f"f{MAX_NESTING}")
    methods = one_walk(DEEP_CLASSES.encode())
    assert len(methods) == MAX_NESTING and methods[-1][0].endswith(f"C{MAX_NESTING - 1}.m")
    assert {row[4] for row in methods} == {2}  # the conditional and the recursion through self


def test_class_figures_come_from_methods_only() -> None:
    code = b"class A:\n    x = 1 if a else 2\n    def m(self):\n        return 1\n"
    assert [row[0] for row in one_walk(code)] == ["A.m"]
    assert CLASS in {n.type for n in parse(code).root_node.children}


def test_the_analyzer_reports_the_metrics_figures() -> None:
    source = stdlib("inspect.py")
    doc = Document("file:///inspect.py", source.decode())
    settings = Settings(sections={"complexity": {"cyclomatic": 1, "cognitive": 1, "function-lines": 1}})
    ctx = Context(doc, catalogue(), settings)
    found = [f for f in ComplexityAnalyzer().analyze(ctx, doc.top_level())]
    reported = {(f.start, f.end, f.data["cyclomatic"], f.data["cognitive"], f.data["sloc"]) for f in found}
    expected = {row[1:] for row in module_walk(source) if row[3] > 1 or row[4] > 1 or row[5] > 1}
    assert reported == expected
    assert {f.rule_id for f in found} == {"CPX001", "CPX002", "CPX003"}


ESCAPED_STRING = '''
def js(value):
    return """
    <script type="text/javascript">
    // \\t escaped
    document.cookie = \\"%s\\";
    </script>
    """ % value
'''


def test_every_row_of_a_multi_line_string_with_escapes_is_source() -> None:
    """tree-sitter gives a string's text child nodes only for its escape sequences: the rows
    between them hold code as much as the rows with an escape (radon counts them all)."""
    source = ESCAPED_STRING.encode()
    (m,) = [m for m in flatten(module_metrics(parse(source), source)) if m.kind == "function"]
    assert m.lines.sloc == analyze(ESCAPED_STRING).sloc == 7
    (func,) = [node for node in parse(source).root_node.children if node.type == "function_definition"]
    (f,) = function_figures(func, source)
    assert f.sloc == 7


def _rows_by_points(func: Node) -> set[int]:
    """The rows of a function's code leaves read from their Points, as the walk read them
    before it counted line ends (no docstring in the sources below)."""
    rows: set[int] = set()
    stack = [func]
    while stack:
        node = stack.pop()
        if node.children and node.type != "string_content":
            stack.extend(node.children)
        elif node.type != "comment" and node.end_byte > node.start_byte:
            rows.update(range(node.start_point.row, node.end_point.row + 1))
    return rows


@pytest.mark.parametrize(
    "source",
    [
        b"x = 1\ndef f(a):\n    return a + \\\n        1\n",  # a line continuation ends on the next row
        b"def f():\r\n    s = '''a\r\n\r\n  b'''\r\n    return s\r\n",  # CRLF; blank rows inside a string
        b"def f():\r    x = 1\r    return x\n",  # a lone CR ends no tree-sitter row
        b'def f():\n    return (\'a\\\n b\', """\n\\n\n""")  # end\n\n    # c\n    pass\n',
        b"def f(:\n    x = (1,\n\n         2\n",  # broken: MISSING (empty) tokens
        b"class A:\n    def f(self):\n        def g():\n            return 1\n\n        return g\n",
    ],
)
def test_source_lines_are_the_rows_of_the_leaves_points(source: bytes) -> None:
    """The walk finds a leaf's rows from its bytes and the line ends of the function; they
    are the rows of its Points (tree-sitter counts `\\n` only), on every kind of line end."""
    root = parse(source).root_node
    for top in root.children:
        for func, _, depth, is_method in outermost_functions(top, source):
            figures = function_figures(func, source, depth, is_method)
            assert figures[0].sloc == len(_rows_by_points(func)), source


# the complexity analyzer's rows of code, read from the text --------------------------------
# Rows the text reading must tell apart as the leaves do: the spaces tree-sitter's extras
# skip besides ASCII's, a comment between the two tokens of `is not`, docstrings (of a
# function, mid-body; an f-string's interpolation is code), a line continuation ending a
# nested function, blank rows in a string, CRLF, a form feed, a tab-indented comment; and
# trees with an ERROR (a lone CR, a row of NBSP), where the walk reads the leaves' rows.
TEXT_ROWS = [
    "def f(a):\n    x = 1\n  \u2060\n    \ufeff\u200b\n    return (a is  # c\n        not x)\n",
    'def f(a):\n    """Doc.\n\n    more\n    """\n    x = 1\n    "a string statement"\n    return x\n',
    'def f(a):\n    f"""doc {\n    a\n    } end"""\n    return a\n',
    "def f():\n    def g():\n        return 1 + \\\n            2\n    return g\n",
    "def f():\r\n    s = '''a\r\n\r\n  b'''\r\n    return s\r\n",
    "def f():\r    x = 1\r    return x\n",
    "def f():\n\x0c\n    x = 1\n\t# c\n    return x  # end\n",
    "class A:\n    def m(self):\n        '''d'''\n        class B:\n"
    "            def n(self):  # c\n                pass\n",
    "def f(a):\n    x = 1\n\u00a0\u3000\n    return x\n",
]


@pytest.mark.parametrize("source", TEXT_ROWS)
def test_rows_read_from_the_text_are_the_leaves_rows(source: str) -> None:
    """The analyzer's walk reads the rows of code from the text; the metrics' walk reads
    every leaf's: each function's source lines must agree."""
    data = source.encode()
    measured = one_walk(data)
    assert measured == module_walk(data)
    assert measured


def stdlib_files(every: int = 8, limit: int = 250) -> list[Path]:
    return sorted(STDLIB.rglob("*.py"))[::every][:limit]


def test_the_analyzers_figures_equal_the_metrics_on_the_standard_library() -> None:
    """A few hundred standard-library files (tests, data, encodings included): every
    function's figures from the complexity analyzer's walk equal the metrics' walk's."""
    differ: list[str] = []
    for path in stdlib_files():
        source = path.read_bytes()
        if one_walk(source) != module_walk(source):
            differ.append(str(path))
    assert not differ


def test_single_row_tokens_are_not_placed_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows of code come from the text: the walk bisects the line ends only for the
    tokens that may span rows (strings' text, line continuations), not for every leaf."""
    calls = 0

    def counting(*args: Any) -> int:
        nonlocal calls
        calls += 1
        return bisect.bisect_left(*args)

    monkeypatch.setattr("codie.analyzers.function_figures.bisect_left", counting)
    source = b"def f(a, b):\n" + b"".join(b"    x%d = a + b * (a - %d) if a else b\n" % (i, i) for i in range(50))
    root = parse(source).root_node
    (func,) = [node for node in root.children if node.type == "function_definition"]
    (figures,) = function_figures(func, source)
    assert figures.sloc == 51
    assert calls <= 4  # the function's first and last rows, not ~900 leaves


# the analyzer's walk skips one-row leaves unread -------------------------------------------
def test_the_kinds_skipped_unread_are_leaves_on_one_row() -> None:
    """The walk skips the nodes of ONE_ROW_LEAVES without reading their children or rows:
    right only while each is a leaf on one row, never a comment or a string's part."""
    assert ONE_ROW_LEAVES.isdisjoint({"comment", "string", "string_start", "string_content", "string_end"})
    kinds = {name for name in KIND_NAMES if name in ONE_ROW_LEAVES}
    assert kinds == ONE_ROW_LEAVES  # every name is one of the grammar's
    assert all(TOKENS_SKIPPED[i] is None for i, name in enumerate(KIND_NAMES) if name in ONE_ROW_LEAVES)
    seen: set[str] = set()
    for path in stdlib_files(every=24):
        stack = [parse(path.read_bytes()).root_node]
        while stack:
            node = stack.pop()
            if node.type in ONE_ROW_LEAVES:
                seen.add(node.type)
                assert node.child_count == 0 and node.start_point.row == node.end_point.row, (path, node)
            stack.extend(node.children)
    assert {"identifier", "integer", "true", "none"} <= seen


@pytest.mark.parametrize("seed", range(4))
def test_line_ends_are_every_newline_in_the_range(seed: int) -> None:
    """_line_ends (by split lengths) against a plain search, over random text and ranges."""
    rng = random.Random(seed)
    for _ in range(500):
        data = bytes(rng.choice(b"ab\n\r ") for _ in range(rng.randrange(0, 30)))
        lo = rng.randrange(0, len(data) + 1)
        hi = rng.randrange(lo, len(data) + 1)
        assert _line_ends(data, lo, hi) == [i for i in range(lo, hi) if data[i] == 10], (data, lo, hi)
