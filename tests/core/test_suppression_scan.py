"""The directive scan after edits (core/suppressions.candidates reuses the document's last
scan and rescans only the changed bytes) equals a scan of the whole text, and the index
built on it equals one built for a fresh document."""

import random
import re
from collections.abc import Iterator

import pytest

from codie.core import suppressions
from codie.core.document import Document
from codie.core.rules import catalogue
from codie.core.suppressions import CANDIDATE, candidates, index

BASE = (
    "import os  # noqa: F401\n"
    "x = eval(input())  # codie: ignore[SEC001]\n"
    "# nosec B307\n"
    "y = '# noqa'  #   NOQA\n"
    "def f():  # codie: ignore\n"
    "    return 1\n"
)
PIECES = [
    "#",
    " ",
    "\n",
    "\t",
    "  \t \n\n   ",
    "noqa",
    "NoSeC",
    "codie",
    ":",
    "x",
    "  # noqa",
    "(",
    "'",
    "é",
    "ignore[SEC001]",
]


def test_the_rescan_after_random_edits_equals_a_whole_scan() -> None:
    rng = random.Random(3)
    cat = catalogue()
    doc = Document("file:///t.py", BASE * 5)
    for step in range(1500):
        n = len(doc.source)
        lo = rng.randint(0, n)
        hi = min(n, lo + rng.choice([0, 0, 1, 3, 8]))
        new = "".join(rng.choice(PIECES) for _ in range(rng.choice([0, 1, 2])))
        doc.splice(lo, hi, new.encode())
        if rng.random() < 0.5:  # sometimes several edits between two scans
            assert candidates(doc) == [m.span() for m in CANDIDATE.finditer(doc.source)], step
        if step % 100 == 0:
            got = index(doc, cat).directives
            want = index(Document("file:///t.py", doc.source), cat).directives
            assert got == want, step


class Counting:
    """CANDIDATE, counting the bytes each scan may look at."""

    def __init__(self) -> None:
        self.looked = 0

    def finditer(self, src: bytes, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match[bytes]]:
        end = len(src) if endpos is None else min(endpos, len(src))
        self.looked += end - pos
        return CANDIDATE.finditer(src, pos, end)


def test_the_rescan_after_an_edit_looks_at_the_edit_not_the_rest_of_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """A large file without directives below the edit: the scan stops after the edit."""
    doc = Document("file:///t.py", "x = 1  # noqa\n" + "y = 2\n" * 20_000)
    candidates(doc)
    counting = Counting()
    monkeypatch.setattr(suppressions, "CANDIDATE", counting)
    for line in (1, 500, 10_000):
        at = doc.lines.start(line)
        doc.splice(at, at, b"z = 3  # codie: ignore\n")
        got = candidates(doc)
        assert got == [m.span() for m in CANDIDATE.finditer(doc.source)]
    assert counting.looked < 3 * 100  # (~360,000 when each scan ran to the end of the file)


def test_a_directive_whose_blanks_run_past_the_edit_is_found() -> None:
    """The scan's end leaves room for a directive split by the edit, whatever its blanks."""
    for before, after in [
        ("#", "       \t  noqa"),
        ("#   ", "  \n"),
        ("# no", "qa"),
        ("# noq", "ax"),
        ("#", "codiex"),
        ("# ", "NOSECs"),
        ("#", ""),
    ]:
        doc = Document("file:///t.py", f"a = 1  {before}{after}\n" + "b = 2\n" * 50)
        candidates(doc)
        at = len(f"a = 1  {before}".encode())
        for new in (b" ", b"", b"x"):
            doc.splice(at, at, new)
            assert candidates(doc) == [m.span() for m in CANDIDATE.finditer(doc.source)], (before, after, new)
