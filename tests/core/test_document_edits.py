"""Random edit sequences on a Document equal a fresh Document of the resulting text: the
bytes, the line index (its pending shift never visible: every conversion agrees with a fresh
index while a shift is pending), tree-sitter's points and the whole tree, node by node."""

import random

import pytest
from tree_sitter import Node

from codie.core.document import Document, parse
from codie.core.lines import LineIndex
from tests.core.reference import apply

BASE = (
    "import os\n"
    "\n"
    "def f(a, b):\n"
    "    x = a + b  # é\n"
    "    if x:\n"
    "        return eval(x)\n"
    "    return [i for i in range(3)]\n"
    "\n"
    "class C:\n"
    "    s = '😋'\n"
    "    def m(self):\n"
    "        return os.path.join('a', 'b')\n"
)
PIECES = ["a", "é", "😋", "\n", " ", "(", ")", ":", "x = 1\n", "    y = f(2)\n", "'", "def g():\n    pass\n"]
CR_PIECES = ["\r", "\r\n", "\x0c", "ü\r\n"]


def shape(node: Node) -> list[tuple[str, int, int, tuple[int, int], tuple[int, int]]]:
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append(
            (n.type, n.start_byte, n.end_byte, (n.start_point[0], n.start_point[1]), (n.end_point[0], n.end_point[1]))
        )
        stack.extend(reversed(n.children))
    return out


def fresh_points(source: bytes, offset: int) -> tuple[int, int]:
    return source.count(b"\n", 0, offset), offset - (source.rfind(b"\n", 0, offset) + 1)


def check_positions(doc: Document, rng: random.Random) -> None:
    """Conversions of a possibly shifted index against a fresh one (without flushing it)."""
    fresh = LineIndex(doc.source)
    n = len(doc.source)
    for _ in range(12):
        off = rng.randint(0, n)
        assert doc.lines.line_of(off) == fresh.line_of(off)
        assert tuple(doc.point_at(off)) == fresh_points(doc.source, off)
        for enc in ("utf-8", "utf-16", "utf-32"):
            assert doc.position_at(off, enc) == fresh.position_at(doc.source, off, enc)
        line = rng.randint(0, fresh.count + 1)
        ch = rng.randint(0, 12)
        assert doc.offset_at(line, ch, "utf-16") == fresh.offset_at(doc.source, line, ch, "utf-16")
        if line < fresh.count:
            assert doc.lines.start(line) == fresh.starts[line]
            assert doc.line_text(line) == Document("file:///t.py", doc.source).line_text(line)


@pytest.mark.parametrize(("seed", "with_cr"), [(1, False), (2, False), (3, True), (4, True)])
def test_random_edits_equal_a_fresh_document(seed: int, with_cr: bool) -> None:
    rng = random.Random(seed)
    pieces = PIECES + CR_PIECES if with_cr else PIECES
    text = BASE * 20
    doc = Document("file:///t.py", text)
    for step in range(250):
        lines = text.split("\n")
        line = rng.randint(0, len(lines))
        ch = rng.randint(0, 10)
        end = (line, ch) if rng.random() < 0.6 else (min(len(lines), line + rng.choice([0, 1, 2])), rng.randint(0, 8))
        if end < (line, ch):
            end = (line, ch)
        new = "".join(rng.choice(pieces) for _ in range(rng.choice([0, 1, 1, 2, 3])))
        text = apply(text, (line, ch), end, new, "utf-16")
        doc.apply_change((line, ch), end, new)
        if step % 7 == 0:
            check_positions(doc, rng)
        if step % 8 == 0:  # a reparse after a few edits, as a burst of keystrokes gets
            doc.reparse()
            assert doc.tree is not None
            assert shape(doc.tree.root_node) == shape(parse(doc.source).root_node), step
        if step % 50 == 0:
            snap = doc.snapshot()
            assert snap.lines.starts == LineIndex(snap.source).starts
    assert doc.text == text
    assert doc.lines.starts == LineIndex(doc.source).starts
    assert doc.tree is not None
    assert shape(doc.tree.root_node) == shape(parse(doc.source).root_node)


def test_a_pending_shift_survives_edits_on_both_sides() -> None:
    """Edits below, above and inside the shifted part, with no flush in between."""
    text = "".join(f"line{i} = {i}\n" for i in range(200))
    doc = Document("file:///t.py", text)
    rng = random.Random(5)
    for line, new in [(50, "a\nb\n"), (10, "c\n"), (150, ""), (120, "\n\n\n"), (0, "d"), (199, "e\n")] * 3:
        if new:
            doc.apply_change((line, 0), (line, 0), new)
        else:
            doc.apply_change((line, 0), (line + 1, 0), "")
        check_positions(doc, rng)
    assert doc.lines.starts == LineIndex(doc.source).starts


def test_a_lone_cr_made_by_an_edit_is_seen() -> None:
    doc = Document("file:///t.py", "a = 1\r\nb = 2\nc = 3\n")
    assert not doc._lone_cr
    doc.splice(6, 7, b"")  # delete the \n of \r\n: "a = 1\rb = 2..." (two LSP lines, one row)
    assert tuple(doc.point_at(len(b"a = 1\rb"))) == (0, 7)
    doc.reparse()
    assert doc.tree is not None
    assert shape(doc.tree.root_node) == shape(parse(doc.source).root_node)


def test_unchanged_since_bounds_what_edits_left_alone() -> None:
    rng = random.Random(9)
    doc = Document("file:///t.py", BASE * 3)
    past: list[tuple[int, bytes]] = [(doc.serial, doc.source)]
    for step in range(300):
        n = len(doc.source)
        lo = rng.randint(0, n)
        hi = min(n, lo + rng.choice([0, 1, 4]))
        if rng.random() < 0.02:
            doc.replace_all(doc.source.decode("utf-8", "replace") + "z = 1\n")
        else:
            doc.splice(lo, hi, "".join(rng.choice(PIECES) for _ in range(rng.choice([0, 1, 2]))).encode())
        past.append((doc.serial, doc.source))
        for serial, old in past[-70:]:
            kept = doc.unchanged_since(serial)
            if doc.serial - serial > 64:
                assert kept is None
                continue
            assert kept is not None, step
            prefix, suffix = kept
            new = doc.source
            assert prefix + suffix <= min(len(old), len(new))
            assert old[:prefix] == new[:prefix]
            assert old[len(old) - suffix :] == new[len(new) - suffix :]
    assert doc.unchanged_since(doc.serial) == (len(doc.source), 0)
    assert doc.unchanged_since(doc.serial + 1) is None


# pieces that change how text away from them parses (a string or bracket left open, a
# dedent, a new block header), typed and typed away again
RESHAPING = ["'''", '"', "(", "[", ")", "class X:\n", "    ", "\n", "def g(:\n", "#", "x = 1\n", "    y = f(2)\n"]


def top_shapes(node: Node) -> list[list[tuple[str, int, int, tuple[int, int], tuple[int, int]]]]:
    return [shape(child) for child in node.children]


def moved(nodes: list[tuple[str, int, int, tuple[int, int], tuple[int, int]]], delta: int) -> list[object]:
    return [(kind, start + delta, end + delta) for kind, start, end, _, _ in nodes]


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_shape_kept_from_bounds_the_statements_whose_tree_is_the_same(seed: int) -> None:
    """Document.shape_kept_from: every top-level statement wholly inside the bounds it gives
    parses, in a fresh parse of the new text, to the same nodes as in the old text's tree
    (moved by the length difference after the edit), whatever the edits did elsewhere."""
    rng = random.Random(seed)
    doc = Document("file:///t.py", BASE * 4)
    checked = narrower = 0
    for step in range(150):
        old = doc.source
        assert doc.tree is not None
        before: list[list[tuple[str, int, int, tuple[int, int], tuple[int, int]]]] | None
        before = top_shapes(doc.tree.root_node)
        n = len(doc.source)
        lo = rng.randint(0, n)
        doc.splice(lo, min(n, lo + rng.choice([0, 0, 1, 3])), rng.choice(RESHAPING).encode())
        if rng.random() < 0.2:  # two edits in one reparse: from the text between them
            old, before = doc.source, None
            at = rng.randint(0, len(doc.source))
            doc.splice(at, at, rng.choice(RESHAPING).encode())
        doc.reparse()
        kept = doc.shape_kept_from(old)
        if before is None:  # (that text never had a tree)
            assert kept is None
            continue
        assert kept is not None, step
        prefix, suffix = kept
        assert (
            old[:prefix] == doc.source[:prefix] and old[len(old) - suffix :] == doc.source[len(doc.source) - suffix :]
        )
        fresh = top_shapes(parse(doc.source).root_node)
        delta = len(doc.source) - len(old)
        head = [s for s in before if s[0][2] < prefix]
        tail = [s for s in before if s[0][1] > len(old) - suffix]
        assert fresh[: len(head)] == head, step
        if tail:
            assert [moved(s, -delta) for s in fresh[len(fresh) - len(tail) :]] == [moved(s, 0) for s in tail], step
        checked += len(head) + len(tail)
        kept_bytes = doc.kept_from(old)
        assert kept_bytes is not None
        narrower += (prefix, suffix) != kept_bytes
    assert checked > 100 * 10  # most statements were away from the edits
    assert narrower > 10  # and the tree's changes reached beyond some edits' bytes


def test_shape_kept_from_knows_nothing_of_a_tree_made_afresh() -> None:
    doc = Document("file:///t.py", BASE)
    old = doc.source
    doc.splice(0, 0, b"x = 1\n")
    doc.reparse()
    assert doc.shape_kept_from(old) is not None
    old = doc.source
    doc.replace_all(BASE)
    assert doc.shape_kept_from(old) is None
    assert doc.shape_kept_from(doc.source) == (len(doc.source), 0)
