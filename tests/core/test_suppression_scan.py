"""The directive scan after edits (core/suppressions.candidates reuses the document's last
scan and rescans only the changed bytes) equals a scan of the whole text, and the index
built on it equals one built for a fresh document."""

import random

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
PIECES = ["#", " ", "\n", "\t", "noqa", "NoSeC", "codie", ":", "x", "  # noqa", "(", "'", "é", "ignore[SEC001]"]


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
