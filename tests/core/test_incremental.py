"""1,000+ random edits: the incremental tree equals a fresh parse and the incremental
findings equal a full analysis, after every edit."""

import random

import pytest

from codie.analyzers import registered
from codie.core.analyzer import Context
from codie.core.document import Document, parse
from codie.core.engine import DocumentAnalysis, analyze
from codie.core.rules import catalogue
from tests.core.reference import apply, line_starts

SEED_TEXT = '''"""Module."""
import os


def load(path, cache={}):
    assert path, "path"
    try:
        return open(path).read()
    except:
        return eval(os.environ["X"])
        print("never")


class Box:
    def put(self, item, seen=[]):
        seen.append(item)
        return seen


for i in range(3):
    if i:
        continue
        i += 1
'''

SNIPPETS = [
    "a",
    "é",
    "😋",
    "\n",
    "\r\n",
    "\r",
    "    ",
    "\x0c",
    "\x00",
    "(",
    ")",
    ":",
    "=",
    "except:\n",
    "return 1\n",
    "def f(x=[]):\n    pass\n",
    "eval(y)",
    "assert q > 0\n",
    "break\n",
    "'''",
    '"',
    "#",
    "\n\n",
    "ü\r\n",
    "x = {}\n",
]


def comparable(findings):  # type: ignore[no-untyped-def]
    return [(f.rule_id, f.start, f.end, f.message, f.fix.edits if f.fix else None) for f in findings]


def random_edit(rng: random.Random, text: str) -> tuple[tuple[int, int], tuple[int, int], str]:
    starts = line_starts(text)
    line = rng.randrange(len(starts) + 1)  # sometimes one past the end
    ch = rng.randrange(0, 30)
    end = (line, ch) if rng.random() < 0.5 else (line + rng.choice([0, 0, 1, 2]), rng.randrange(0, 30))
    new = "".join(rng.choice(SNIPPETS) for _ in range(rng.choice([0, 1, 1, 2, 3])))
    return (line, ch), end, new


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8", "utf-32"])
def test_random_edits_incremental_equals_full(encoding: str) -> None:
    rng = random.Random({"utf-16": 1, "utf-8": 2, "utf-32": 3}[encoding])
    cat = catalogue()
    analyzers = registered()
    text = SEED_TEXT
    doc = Document("file:///w/app.py", text)
    analysis = DocumentAnalysis(Context(doc, cat), analyzers)
    analysis.run()
    for step in range(400):
        # one notification may carry several changes, each relative to the previous one
        for _ in range(rng.choice([1, 1, 1, 2])):
            start, end, new = random_edit(rng, text)
            text = apply(text, start, end, new, encoding)
            analysis.note_edit(doc.apply_change(start, end, new, encoding))
        analysis.note_changed_ranges(doc.reparse())
        assert doc.text == text, step
        incremental = analysis.run()
        assert doc.tree is not None
        fresh = parse(doc.source)
        assert str(doc.tree.root_node) == str(fresh.root_node), step
        full = analyze(Context(Document("file:///w/app.py", text), cat), analyzers)
        assert comparable(incremental) == comparable(full), step
