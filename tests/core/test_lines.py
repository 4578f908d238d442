import random

import pytest

from codie.core.document import Document
from codie.core.lines import LineIndex
from tests.core.reference import index_of

SAMPLE = 's = "héllo 😋"; y = eval(s)'


@pytest.mark.parametrize(("encoding", "column"), [("utf-8", 23), ("utf-16", 20), ("utf-32", 19)])
def test_eval_column_in_each_encoding(encoding: str, column: int) -> None:
    doc = Document("file:///t.py", SAMPLE)
    offset = doc.source.index(b"eval")
    assert doc.position_at(offset, encoding) == (0, column)
    assert doc.offset_at(0, column, encoding) == offset


def test_lines_break_only_at_lsp_newlines() -> None:
    doc = Document("file:///t.py", "a = 1\n\x0cb = 2\u2028x\rc = 3\r\nd\x85e")
    assert doc.lines.count == 4
    assert doc.line_text(1) == "\x0cb = 2\u2028x"
    assert doc.line_text(2) == "c = 3"
    # the edit lands on line 1 (the form-feed line), where LSP says it is
    doc.apply_change((1, 0), (1, 1), "d")
    assert doc.text.startswith("a = 1\ndb = 2")


def test_positions_past_the_end_are_clamped() -> None:
    doc = Document("file:///t.py", "ab\ncd")
    assert doc.offset_at(0, 999) == 2
    assert doc.offset_at(99, 0) == len(doc.source)
    assert doc.position_at(10_000) == (1, 2)


def test_cr_lf_join_and_split_keep_the_index_exact() -> None:
    doc = Document("file:///t.py", "a\rb")
    doc.splice(2, 2, b"\n")  # "a\r\nb": \r and \n join into one break
    assert doc.lines.starts == LineIndex(doc.source).starts == [0, 3]
    doc.splice(1, 2, b"")  # remove \r: "a\nb"
    assert doc.lines.starts == LineIndex(doc.source).starts


ALPHABET = ["a", "é", "😋", "\n", "\r", "\r\n", " ", "\x0c", "\x00", "(", "x = 1\n", "ü\r\n"]


def test_line_index_updates_match_a_fresh_index() -> None:
    rng = random.Random(7)
    doc = Document("file:///t.txt", "start\n")
    for _ in range(3000):
        n = len(doc.source)
        lo = rng.randint(0, n)
        hi = min(n, lo + rng.choice([0, 0, 1, 2, 5]))
        new = "".join(rng.choice(ALPHABET) for _ in range(rng.choice([0, 1, 2, 3])))
        doc.splice(lo, hi, new.encode())
        assert doc.lines.starts == LineIndex(doc.source).starts


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_offsets_agree_with_the_reference_model(encoding: str) -> None:
    text = "x = 'é😋'\r\ny\rz = \"\x00\"\n\x0cw"
    doc = Document("file:///t.py", text)
    for line in range(5):
        for ch in range(14):
            expected = len(text[: index_of(text, line, ch, encoding)].encode())
            assert doc.offset_at(line, ch, encoding) == expected, (line, ch)
