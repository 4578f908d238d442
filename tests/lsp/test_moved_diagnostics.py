"""A diagnostic that only moved (an edit above it, or earlier in the file: its finding's
offsets moved by the edit's length, its lines with it) is the text it was with its line
numbers spliced in (lsp/convert.DiagnosticCache: _moved, _pieces), byte for byte what a
fresh conversion gives: through random edits of a text with \\r\\n and lone \\r breaks,
wide characters, findings over several lines, related locations in the file and in others,
and edits that change a finding's line or the line break before it without touching it.
"""

from __future__ import annotations

import json
import random

import pytest

from codie.core.document import Document
from codie.core.findings import Finding, Location, Severity
from codie.core.lines import LineIndex
from codie.core.presenting import make_finding
from codie.core.rules import catalogue
from codie.lsp import convert
from codie.lsp.convert import DiagnosticCache, diagnostic_json

LINE = "x = f('é', 𝔘)  # a\n"
PIECES = ["\n", "\r\n", "\r", "é", "𝔘", "ab", " ", "", "x = 1\n", '"', "-7357159031"]


def findings(doc: Document, rng: random.Random) -> list[Finding]:
    cat = catalogue()
    out = []
    size = len(doc.source)
    for i in range(12):
        start = rng.randrange(size)
        end = min(size, start + rng.choice([0, 1, 5, 40, 120]))  # some over several lines
        related: list[Location] = []
        if i % 3 == 0:
            at = rng.randrange(size)
            related.append(Location(at, min(size, at + 3), f"step {i}"))
            related.append(Location(0, 0, "elsewhere", uri="file:///other.py", line=4, column=2))
        f = make_finding(cat, "SEC001", start, end, f"finding {i}" + (" at -7357159031" if i % 4 == 1 else ""))
        out.append(f.evolve(related=tuple(related), data={"fingerprint": f"fp{i}"}))
    return out


def lookalike(f: Finding, rng: random.Random) -> Finding:
    """Now and then another finding sharing f's `data` (the cache's key for a moved copy),
    moved as f was but saying another thing, or with a related location elsewhere."""
    roll = rng.random()
    if roll < 0.05:
        return f.evolve(message=f.message + "!")
    if roll < 0.1:
        return f.evolve(confidence=f.confidence / 2)
    if roll < 0.15 and f.related and f.related[0].uri is None:
        first = f.related[0]
        return f.evolve(related=(Location(first.start + 1, first.end + 1, first.message), *f.related[1:]))
    if roll < 0.2 and f.related:
        first = f.related[0]
        return f.evolve(related=(Location(first.start, first.end, "another step", first.uri), *f.related[1:]))
    if roll < 0.25 and f.related:
        last = f.related[-1]
        return f.evolve(related=(*f.related[:-1], Location(last.start, last.end, last.message, last.uri, 5, 1)))
    return f


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
def test_moved_diagnostics_are_the_text_a_fresh_conversion_gives(seed: int, encoding: str) -> None:
    rng = random.Random(seed)
    doc = Document("file:///t.py", LINE * 40)
    shown = findings(doc, rng)
    cache = DiagnosticCache()
    moved = 0
    for step in range(120):
        cache.begin(doc)
        for f in shown:
            severity = Severity.HINT if f.message.startswith("finding 1") else f.severity
            d, text = cache.get(doc, f, encoding, severity)
            fresh = diagnostic_json(doc, f, encoding, severity)
            assert d == fresh, step
            assert text == json.dumps(fresh), step
        # an edit; what it touches is gone (as the engine drops it), the rest moves with it
        size = len(doc.source)
        lo = rng.randrange(size + 1)
        hi = min(size, lo + rng.choice([0, 0, 1, 2, 6]))
        edit = doc.splice(lo, hi, "".join(rng.choice(PIECES) for _ in range(rng.choice([0, 1, 2]))).encode())
        kept = [lookalike(f.shifted(hi, edit.delta), rng) for f in shown if not f.touches(lo, hi)]
        moved += sum(1 for f in kept if f.start > hi)
        shown = kept + findings(doc, rng)[: 12 - len(kept)]
    assert moved > 300


def test_a_moved_diagnostic_is_not_placed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines inserted above: the diagnostics below are their text with other line numbers,
    no position computed (and the cut of their text made once)."""
    doc = Document("file:///t.py", LINE * 40)
    cat = catalogue()
    at = doc.lines.start(30)
    related = (Location(doc.lines.start(31), doc.lines.start(31) + 3, "step"),)
    shown = [make_finding(cat, "SEC001", at + 4, doc.lines.start(33) + 2, "over three lines").evolve(related=related)]
    shown.append(make_finding(cat, "SEC001", at + 6, at + 9, "one"))
    cache = DiagnosticCache()
    cache.begin(doc)
    first = [cache.get(doc, f, "utf-16", f.severity)[1] for f in shown]
    placed = cut = 0
    position_at, pieces = LineIndex.position_at, convert._pieces

    def counted(self: LineIndex, source: bytes, offset: int, encoding: str = "utf-16") -> tuple[int, int]:
        nonlocal placed
        placed += 1
        return position_at(self, source, offset, encoding)

    def cutting(*args: object) -> tuple[str, ...]:
        nonlocal cut
        cut += 1
        return pieces(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(convert, "_pieces", cutting)
    for n in range(1, 6):
        edit = doc.splice(doc.lines.start(n), doc.lines.start(n), b"y = 2\r\n" if n % 2 else b"\n\n")
        shown = [f.shifted(edit.old_end, edit.delta) for f in shown]
        cache.begin(doc)
        monkeypatch.setattr(LineIndex, "position_at", counted)
        texts = [cache.get(doc, f, "utf-16", f.severity)[1] for f in shown]
        monkeypatch.setattr(LineIndex, "position_at", position_at)
        assert texts == [json.dumps(diagnostic_json(doc, f, "utf-16", f.severity)) for f in shown]
        assert texts != first
    assert placed == 0 and cut == len(shown)
