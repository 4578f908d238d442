"""The complexity analyzer's one-walk figures (analyzers/function_figures.py) equal the
definitions they replace on the open path: `metrics.function_cc`, `cognitive_complexity`
and `line_counts(...).sloc`, each run on each function on its own, found as the analyzer
found them before (metrics.definitions, recursively)."""

from __future__ import annotations

import sysconfig
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from tree_sitter import Node

from codie.analyzers.cognitive import cognitive_complexity
from codie.analyzers.complexity import ComplexityAnalyzer
from codie.analyzers.function_figures import function_figures, outermost_functions
from codie.analyzers.metrics import CLASS, FUNCTION, MAX_NESTING, SCOPES, definitions, function_cc, line_counts
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


def reference(source: bytes) -> list[Row]:
    """What the analyzer measured before: each function on its own, three walks."""
    tree = parse(source)
    out: list[Row] = []

    def functions(node: Node, prefix: str, depth: int) -> Iterator[Row]:
        name_node = node.child_by_field_name("name")
        name = source[name_node.start_byte : name_node.end_byte].decode("utf-8", "replace") if name_node else "?"
        qualname = f"{prefix}.{name}" if prefix else name
        if node.type == FUNCTION:
            span = (name_node.start_byte, name_node.end_byte) if name_node else (node.start_byte, node.start_byte)
            cognitive = cognitive_complexity(node, source, is_method=False if depth == 0 else None)
            yield (qualname, *span, function_cc(node, source), cognitive, line_counts(node, source).sloc)
        body = node.child_by_field_name("body")
        if body is not None and depth < MAX_NESTING:
            for child in definitions(body):
                yield from functions(child, qualname, depth + 1)

    for top in tree.root_node.children:
        for definition in [top] if top.type in SCOPES else definitions(top):
            out.extend(functions(definition, "", 0))
    return out


def one_walk(source: bytes) -> list[Row]:
    tree = parse(source)
    out: list[Row] = []
    for top in tree.root_node.children:
        for func, prefix, depth, is_method in outermost_functions(top, source):
            base = func.start_byte
            for f in function_figures(func, source, depth, is_method):
                qualname = f"{prefix}.{f.qualname}" if prefix else f.qualname
                out.append((qualname, base + f.name_start, base + f.name_end, f.cyclomatic, f.cognitive, f.sloc))
    return out


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
def test_one_walk_equals_the_three_walks(name: str, source: bytes) -> None:
    expected = reference(source)
    assert one_walk(source) == expected
    assert expected or name == "broken"


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


def test_the_analyzer_reports_the_reference_figures() -> None:
    source = (STDLIB / "inspect.py").read_bytes()
    doc = Document("file:///inspect.py", source.decode())
    settings = Settings(sections={"complexity": {"cyclomatic": 1, "cognitive": 1, "function-lines": 1}})
    ctx = Context(doc, catalogue(), settings)
    found = [f for f in ComplexityAnalyzer().analyze(ctx, doc.top_level())]
    reported = {(f.start, f.end, f.data["cyclomatic"], f.data["cognitive"], f.data["sloc"]) for f in found}
    expected = {row[1:] for row in reference(source) if row[3] > 1 or row[4] > 1 or row[5] > 1}
    assert reported == expected
    assert {f.rule_id for f in found} == {"CPX001", "CPX002", "CPX003"}
