"""A partial presentation (an editor's first publish, core/presenting.py `complete=False`)
never shows a finding that the complete presentation drops, and leaves out SUP003.

Every subset of a document's findings is presented, through suppressions, a baseline
that accepts only some of several findings of one key, and the confidence filter."""

from __future__ import annotations

import random

from codie.analyzers import registered
from codie.core.analyzer import Context
from codie.core.baseline import Baseline
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis, analyze
from codie.core.findings import Finding
from codie.core.presenting import present
from codie.core.rules import catalogue

TEXT = """import hashlib


def a(items=[]):
    try:
        run()
    except:
        pass
    return hashlib.md5(b"x")


def b(items=[]):  # codie: ignore[Q002]
    try:
        run()
    except:  # noqa: E722
        pass
    return eval(input())  # codie: ignore[SEC001, Q003]


def c():
    try:
        run()
    except:
        pass
    return 1
    print("unreachable")  # codie: ignore


def d(x={}):
    try:
        run()
    except:  # codie: ignore[Q001]
        pass
    assert x
"""


def key(f: Finding) -> tuple[str, int, int, str]:
    return (f.rule_id, f.start, f.end, f.message)


def test_every_subset_shows_only_what_the_complete_set_shows() -> None:
    cat = catalogue()
    doc = Document("file:///p/m.py", TEXT, 1, "python")
    settings = Settings()
    found = analyze(Context(doc, cat, settings), registered())
    assert {"Q001", "Q002"} <= {f.rule_id for f in found}
    baseline = Baseline()
    # one of the bare `except:` findings not suppressed is accepted (the first, in file order)
    baseline.add("m.py", "Q001", "    except:")
    baseline.add("m.py", "Q002", "def a(items=[]):")
    complete = present(doc, found, settings, cat, baseline, "m.py")
    shown = {key(f) for f in complete.visible}
    assert any(f.rule_id == "Q001" for f in complete.visible) and complete.baselined
    rng = random.Random(15)
    for _ in range(300):
        subset = [f for f in found if rng.random() < 0.5]
        partial = present(doc, subset, settings, cat, baseline, "m.py", complete=False)
        assert {key(f) for f in partial.visible} <= shown
        assert all(f.rule_id != "SUP003" for f in partial.visible)
    # everything, presented as partial: the complete set less its SUP003 warnings
    partial = present(doc, found, settings, cat, baseline, "m.py", complete=False)
    assert {key(f) for f in partial.visible} == {key(f) for f in complete.visible if f.rule_id != "SUP003"}


def test_the_engine_pauses_once_before_the_whole_file_passes() -> None:
    """pause_before_whole: the step that finishes the statements returns there, once; the
    statements' findings are then exactly their part of the complete findings."""
    doc = Document("file:///p/m.py", TEXT, 1, "python")
    analysis = DocumentAnalysis(Context(doc, catalogue(), Settings()), registered())
    assert not analysis.statements_current
    analysis.pause_before_whole = True
    assert analysis.step(3600.0) is False
    assert analysis.statements_current and analysis.whole_dirty and not analysis.pause_before_whole
    early = analysis.statement_findings()
    assert early and "SEC001" not in {f.rule_id for f in early}  # SEC001: taint, whole-file
    assert analysis.step(3600.0) is True
    complete = analysis.findings()
    assert {key(f) for f in early} < {key(f) for f in complete}
    assert "SEC001" in {f.rule_id for f in complete}
    assert analysis.statement_findings() == early
