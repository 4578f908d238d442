"""The headless check's short cuts give exactly the figures of the full computation:
CPX004's module index (module_maintainability) against module_metrics, and the one-walk
line counts (function_figures.scope_figures) of every definition and module against the
per-node, parent-chain definition they replaced."""

from __future__ import annotations

import sysconfig
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from tree_sitter import Node

from codie.analyzers.function_figures import Lines
from codie.analyzers.metrics import flatten, module_maintainability, module_metrics
from codie.core.document import parse

STDLIB = Path(sysconfig.get_paths()["stdlib"])
MODULES = ("typing.py", "email/_header_value_parser.py", "argparse.py", "dataclasses.py", "inspect.py")
TRICKY = textwrap.dedent(
    '''
    """Module docstring
    over lines."""
    import os  # a comment


    @decorator
    class A(Base):
        """Doc."""

        x = 1 if os else 2

        class Inner:
            def m(self, a):
                f"""not a docstring {a}"""
                return [i for i in a if i and not i or a]

        def method(self, b):
            """Doc
            of a method."""
            match b:
                case 1 | 2 if b > 1:
                    return 1
                case _:
                    pass
            try:
                pass
            except* ValueError:
                pass
            while b:
                b -= 1
            else:
                pass
            def nested():
                assert b, "x"
                return lambda: b or 1
            return nested


    def top(a, b=3):
        "single quoted doc"
        # comment only
        s = """a
        multi-line string value"""
        if a:
            return b + 1
        elif b:
            return -a
        return a < b < 3
    '''
).encode()


def reference_line_counts(node: Node, source: bytes) -> Lines:
    """The definition the line counts had before they became one top-down walk: every
    node below `node` asked on its own."""

    def inside_docstring(leaf: Node) -> bool:
        n: Node | None = leaf
        parts = ("string", "string_start", "string_content", "string_end", "escape_sequence")
        while n is not None and n.type in parts:
            n = n.parent
        return (
            n is not None
            and n.type == "expression_statement"
            and leaf.type != "expression_statement"
            and len(n.named_children) == 1
            and n.named_children[0].type == "string"
        )

    first, last = node.start_point.row, node.end_point.row
    if node.type == "module":
        last = source.count(b"\n") - (source.endswith(b"\n") or not source)
    comment_rows: set[int] = set()
    doc_rows: set[int] = set()
    code_rows: set[int] = set()
    lloc = 0
    stack = [node]
    while stack:
        n = stack.pop()
        kind = n.type
        if kind == "comment":
            comment_rows.add(n.start_point.row)
        elif kind == "expression_statement" and len(n.named_children) == 1 and n.named_children[0].type == "string":
            doc_rows.update(range(n.start_point.row, n.end_point.row + 1))
            lloc += 1
        elif kind.endswith("_statement") or kind in (
            "function_definition",
            "class_definition",
            "elif_clause",
            "else_clause",
            "except_clause",
            "finally_clause",
            "case_clause",
        ):
            lloc += 1
        leaf = n.child_count == 0 and kind not in ("comment", "block", "module") and n.end_byte > n.start_byte
        if leaf and not inside_docstring(n):
            code_rows.update(range(n.start_point.row, n.end_point.row + 1))
        stack.extend(n.children)
    blank = sum(1 for row in source.split(b"\n")[first : last + 1] if not row.strip())
    return Lines(max(0, last - first + 1), len(code_rows), lloc, len(comment_rows), len(doc_rows - code_rows), blank)


def sources() -> Iterator[tuple[str, bytes]]:
    yield "tricky", TRICKY
    for name in MODULES:
        path = STDLIB / name
        if path.is_file():
            yield name, path.read_bytes()


@pytest.mark.parametrize(("name", "source"), list(sources()), ids=lambda v: v if isinstance(v, str) else "")
def test_module_index_equals_the_full_metrics(name: str, source: bytes) -> None:
    tree = parse(source)
    full = module_metrics(tree, source)
    assert module_maintainability(tree, source) == (full.maintainability, full.cyclomatic, full.lines.lloc)


@pytest.mark.parametrize(("name", "source"), list(sources()), ids=lambda v: v if isinstance(v, str) else "")
def test_line_counts_equal_the_parent_chain_definition(name: str, source: bytes) -> None:
    tree = parse(source)
    measured = 0
    for m in flatten(module_metrics(tree, source)):
        node = tree.root_node if m.kind == "module" else tree.root_node.descendant_for_byte_range(m.start, m.end)
        assert node is not None
        assert m.kind == "module" or (node.start_byte, node.end_byte) == (m.start, m.end)
        assert m.lines == reference_line_counts(node, source), (name, node.start_point)
        measured += 1
    assert measured > 3


def test_the_tricky_source_has_docstrings_comments_and_code_rows() -> None:
    lines = module_metrics(parse(TRICKY), TRICKY).lines
    assert lines.multi >= 5 and lines.comments == 2 and lines.sloc > 30
