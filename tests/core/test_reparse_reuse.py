"""A change next to a line break reparses only near the change.

tree-sitter-python's layout tokens (NEWLINE, INDENT, DEDENT) come from its external scanner;
an edit that leaves the ones next to it in the old tree can make the reparse refuse every
node after it and lex the file to its end (Document._tree_start explains). The document
describes such an edit over a slightly wider span so that they are lexed again. Checked here
by what the parser does (the tokens it lexes, from its log), not by a clock: the reparse
lexes a few lines' tokens, not the file's; the tree equals a fresh parse; and the changed
ranges the engine takes do not reach back into the statement before the change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from codie.core import document
from codie.core.document import Document, parse

FUNCTION = """def f{i}(obj, cls):
    for base in cls.__mro__:
        try:
            doc = getattr(base, obj).__doc__
        except AttributeError:
            continue
        if doc is not None:
            return doc
    if obj is None:
        return None
    return cls

"""
TEXT = "import os\n\n" + "".join(FUNCTION.format(i=i) for i in range(200))
LINE = "x_unused = eval(input())\n"


@contextmanager
def lexed() -> Iterator[list[int]]:
    """How many tokens this thread's parser lexes inside the block."""
    count = [0]

    def log(_kind: object, message: str) -> None:
        if message.startswith("lexed_lookahead"):
            count[0] += 1

    p = document.parser()
    p.logger = log
    try:
        yield count
    finally:
        p.logger = None


def line_of(text: str, needle: str, nth: int) -> int:
    """The line number of the nth line that starts with `needle`."""
    rows = [i for i, line in enumerate(text.split("\n")) if line.startswith(needle)]
    return rows[nth]


def full_parse_tokens() -> int:
    with lexed() as count:
        parse(TEXT.encode())
    return count[0]


CASES = [
    # a statement typed after a function's body, before the next `def` (a DEDENT there)
    ("def f", 20, ""),
    # a statement before the last one of an `except` block
    ("            continue", 20, "            "),
    # before a block's first statement after a dedent from a deeper one
    ("        if doc is not None", 20, "        "),
    # after a function's last `return`, at the function's indentation
    ("    return cls", 20, "    "),
]


@pytest.mark.parametrize(("needle", "nth", "indent"), CASES)
def test_an_inserted_line_is_lexed_alone(needle: str, nth: int, indent: str) -> None:
    doc = Document("file:///t.py", TEXT)
    row = line_of(TEXT, needle, nth)
    whole = full_parse_tokens()
    with lexed() as inserted:
        doc.apply_change((row, 0), (row, 0), indent + LINE)
        doc.reparse()
    assert inserted[0] < whole / 20, (inserted[0], whole)
    assert doc.tree is not None
    assert str(doc.tree.root_node) == str(parse(doc.source).root_node)
    with lexed() as deleted:
        doc.apply_change((row, 0), (row + 1, 0), "")
        doc.reparse()
    assert deleted[0] < whole / 20, (deleted[0], whole)
    assert doc.tree is not None
    assert str(doc.tree.root_node) == str(parse(doc.source).root_node)


def test_changed_ranges_stay_out_of_the_statement_before() -> None:
    doc = Document("file:///t.py", TEXT)
    row = line_of(TEXT, "def f", 20)
    at = doc.lines.start(row)
    doc.apply_change((row, 0), (row, 0), LINE)
    changed = doc.reparse()
    assert changed
    assert min(start for start, _ in changed) >= at  # not into f19's `return cls`
    assert doc.tree is not None
    before = doc.tree.root_node.first_child_for_byte(at - 3)
    assert before is not None and before.type == "function_definition"
    assert all(start >= before.end_byte for start, _ in changed)


def test_edits_piled_up_before_a_reparse_are_widened_each() -> None:
    doc = Document("file:///t.py", TEXT)
    rows = [line_of(TEXT, "def f", n) for n in (5, 50, 150)]
    whole = full_parse_tokens()
    with lexed() as count:
        for row in reversed(rows):  # from the end: each row still where it was
            doc.apply_change((row, 0), (row, 0), LINE)
        changed = doc.reparse()
    assert count[0] < whole / 10, (count[0], whole)
    assert doc.tree is not None
    assert str(doc.tree.root_node) == str(parse(doc.source).root_node)
    # each change's range starts at its own line, none in the statement before it
    starts = sorted(doc.lines.start(row + i) for i, row in enumerate(rows))
    assert sorted({start for start, _ in changed}) == starts


def test_a_change_after_code_on_its_line_is_not_widened() -> None:
    text = b"x = 1\ny = 2\n"
    assert document._tree_start(text, text.index(b"2")) == text.index(b"2")
    assert document._tree_start(text, text.index(b"y")) == text.index(b"1")
    # at most WIDEN_LIMIT bytes back, and not past the text's start
    blank = b"a\n" + b"\n" * (document.WIDEN_LIMIT + 10) + b"b\n"
    assert document._tree_start(blank, blank.index(b"b")) == blank.index(b"b")
    assert document._tree_start(b"\n\nz\n", 2) == 2
