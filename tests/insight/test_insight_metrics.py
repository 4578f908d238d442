"""Cyclomatic complexity against radon, Halstead, lines, MI and the CPX analyzer."""

from __future__ import annotations

import math
import sys
import textwrap
from pathlib import Path

import pytest
from radon.metrics import h_visit, mi_visit

from codie.analyzers.complexity import ComplexityAnalyzer, MaintainabilityAnalyzer, Thresholds
from codie.analyzers.metrics import flatten, module_metrics
from codie.core.analyzer import Context
from codie.core.config import Settings
from codie.core.document import Document, parse
from codie.core.rules import catalogue
from metrics_radon_agreement import agreement


def metrics_of(code: str) -> dict[str, object]:
    source = textwrap.dedent(code).encode()
    return {m.qualname: m for m in flatten(module_metrics(parse(source), source))}


def test_agrees_with_radon_on_99_percent_of_stdlib_functions() -> None:
    total, diffs = agreement(("json", "email", "http", "asyncio"))
    assert total > 1000
    assert (total - len(diffs)) / total >= 0.99, diffs[:10]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("    if a and b or c:\n        pass\n", 4),
        (
            "    try:\n        x()\n    except A:\n        pass\n    except B:\n        pass\n"
            "    else:\n        pass\n    finally:\n        pass\n",
            4,
        ),
        ("    return [x for x in xs if x if x > 1]\n", 4),
        (
            "    match x:\n        case 1:\n            pass\n        case 2:\n            pass\n"
            "        case _:\n            pass\n",
            3,
        ),
        ("    with a:\n        pass\n", 1),
        ("    for x in y:\n        pass\n    else:\n        pass\n", 3),
        ("    assert a and b\n", 2),  # radon does not look inside the assertion
        ("    f = lambda: 1 if a else 2\n", 2),  # lambdas count towards their function
    ],
)
def test_radon_counting_rules(body: str, expected: int) -> None:
    m = metrics_of("def f(a, b, c, x, xs, y):\n" + body)
    assert m["f"].cyclomatic == expected  # type: ignore[attr-defined]


def test_closures_and_classes_are_scored_separately() -> None:
    m = metrics_of("""
    class C:
        def a(self):
            if x:
                pass
        def b(self):
            def inner():
                if y:
                    return 1
            return inner
    """)
    assert m["C.a"].cyclomatic == 2  # type: ignore[attr-defined]
    assert m["C.b"].cyclomatic == 1  # type: ignore[attr-defined]
    assert m["C.b.inner"].cyclomatic == 2  # type: ignore[attr-defined]
    # radon: real = 1 + 2 + 1 = 4 over 2 methods -> int(2.0) + 1
    assert m["C"].cyclomatic == 3  # type: ignore[attr-defined]


def test_halstead_matches_radon_operator_counts() -> None:
    code = "def f(a, b):\n    c = a + b * 2\n    if not a and b < c <= 3:\n        c += 1\n    return -c\n"
    ours = metrics_of(code)["f"].halstead  # type: ignore[attr-defined]
    theirs = h_visit(code).functions[0][1]
    assert (ours.h1, ours.n1, ours.n2) == (theirs.h1, theirs.N1, theirs.N2)
    assert ours.h2 == theirs.h2
    assert math.isclose(ours.volume, theirs.volume)


def test_maintainability_close_to_radon() -> None:
    path = Path(sys.modules["json"].__file__ or "").parent / "decoder.py"
    text = path.read_text()
    ours = module_metrics(parse(text.encode()), text.encode()).maintainability
    assert abs(ours - mi_visit(text, True)) < 10


def test_lines() -> None:
    m = metrics_of('''
    def f():
        """Doc
        string."""
        # a comment
        x = 1

        return x
    ''')["f"]
    lines = m.lines  # type: ignore[attr-defined]
    assert (lines.loc, lines.sloc, lines.comments, lines.multi, lines.blank) == (7, 3, 1, 2, 1)
    assert lines.lloc == 4  # def, docstring, assignment, return


def _findings(code: str, section: dict[str, object] | None = None) -> list[str]:
    doc = Document("file:///t.py", textwrap.dedent(code))
    settings = Settings(sections={"complexity": section or {}})
    ctx = Context(doc, catalogue(), settings)
    found = list(ComplexityAnalyzer().analyze(ctx, doc.top_level()))
    found += list(MaintainabilityAnalyzer().analyze(ctx, doc.top_level()))
    return [f"{f.rule_id}:{doc.source[f.start : f.end].decode()}" for f in found]


BRANCHY = (
    "def branchy(x):\n"
    + "".join(f"    if x == {i} and x > 0:\n        return {i}\n" for i in range(6))
    + "    return -1\n"
)


def test_analyzer_reports_over_threshold_functions_on_their_name() -> None:
    assert _findings(BRANCHY) == ["CPX001:branchy"]
    assert _findings(BRANCHY, {"cyclomatic": 20}) == []
    assert _findings(BRANCHY, {"cyclomatic": 0, "cognitive": 5}) == ["CPX002:branchy"]
    assert _findings(BRANCHY, {"cyclomatic": 0, "function-lines": 5}) == ["CPX003:branchy"]


def test_bad_thresholds_keep_defaults() -> None:
    assert Thresholds.from_section({"cyclomatic": "high", "cognitive": -1}) == Thresholds()
    assert _findings(BRANCHY, {"cyclomatic": "high"}) == ["CPX001:branchy"]


def test_low_maintainability_module() -> None:
    found = _findings(BRANCHY * 3, {"cyclomatic": 0, "maintainability": 90})
    assert found and found[0].startswith("CPX004:")


def test_broken_code_does_not_crash() -> None:
    assert _findings("def f(:\n    if x\n        return [\n") == []


def test_pathological_nesting_does_not_crash() -> None:
    nested = "".join("    " * i + f"def f{i}():\n" for i in range(120)) + "    " * 120 + "pass\n"
    chain = "def g():\n    return " + " and b or ".join(["a"] * 2000) + "\n"
    for code in (nested, chain):
        source = code.encode()
        m = module_metrics(parse(source), source)
        assert m.children and m.children[0].cyclomatic >= 1


class _Latest:
    def __init__(self, metrics: object) -> None:
        self.metrics = metrics

    def latest(self, uri: str) -> object:
        return self.metrics


def test_maintainability_uses_the_servers_cache_when_there_is_one() -> None:
    doc = Document("file:///t.py", BRANCHY * 3)
    settings = Settings(sections={"complexity": {"maintainability": 90}})
    waiting = Context(doc, catalogue(), settings, services={"metrics": _Latest(None)})
    assert list(MaintainabilityAnalyzer().analyze(waiting, doc.top_level())) == []
    assert doc.tree is not None
    ready = Context(doc, catalogue(), settings, services={"metrics": _Latest(module_metrics(doc.tree, doc.source))})
    found = list(MaintainabilityAnalyzer().analyze(ready, doc.top_level()))
    assert [f.rule_id for f in found] == ["CPX004"]


def test_analyzer_remeasures_only_edited_functions() -> None:
    analyzer = ComplexityAnalyzer()
    code = "class Big:\n" + "".join(
        f"    def m{i}(self, x):\n        if x:\n            return {i}\n" for i in range(30)
    )
    doc = Document("file:///big.py", code)
    ctx = Context(doc, catalogue(), Settings(sections={"complexity": {"cyclomatic": 1}}))
    first = list(analyzer.analyze(ctx, doc.top_level()))
    assert len(first) == 30 and len(analyzer._figures) == 30
    doc.replace_all(code.replace("return 7\n", "return 7 if x > 1 else 8\n"))
    again = list(analyzer.analyze(ctx, doc.top_level()))
    assert len(analyzer._figures) == 31  # one method measured anew, 29 from the cache
    assert [f.message for f in again if "m7`" in f.message] == [
        "`Big.m7` has cyclomatic complexity 3 (rank A; limit 1)"
    ]
