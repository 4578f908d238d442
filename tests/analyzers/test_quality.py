"""The core rules: each fires where it should, stays quiet on look-alikes, and its fix works."""

from __future__ import annotations

import pytest

from codie.analyzers import registered
from codie.core.analyzer import Context
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis, analyze
from codie.core.findings import Finding
from codie.core.fixes import fix_edits
from codie.core.rules import catalogue


def findings(source: str, uri: str = "file:///proj/app.py") -> list[Finding]:
    return analyze(Context(Document(uri, source), catalogue()), registered())


def rules(source: str, uri: str = "file:///proj/app.py") -> list[str]:
    return [f.rule_id for f in findings(source, uri)]


def apply_fix(source: str, rule: str) -> str:
    doc = Document("file:///proj/app.py", source)
    f = next(f for f in analyze(Context(doc, catalogue()), registered()) if f.rule_id == rule)
    assert f.fix is not None
    out = doc.source
    for e in sorted(fix_edits(doc, f.fix), key=lambda e: e.start, reverse=True):
        out = out[: e.start] + e.new_text.encode() + out[e.end :]
    return out.decode()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("try:\n    x()\nexcept:\n    pass\n", ["Q001"]),
        ("try:\n    x()\nexcept Exception:\n    pass\n", []),
        ("try:\n    x()\nexcept (OSError, ValueError) as e:\n    pass\n", []),
        ("def f(a=[]):\n    return a\n", ["Q002"]),
        ("def f(a: dict = {}, *, b=set()):\n    return a, b\n", ["Q002", "Q002"]),
        ("def f(a=(), b=None, c=0, d='x', e=frozenset()):\n    return a\n", []),
        ("lambda a=[]: a\n", ["Q002"]),
        ("def pay(amount):\n    assert amount > 0\n", ["Q003"]),
        ("def pay(amount):\n    total = 1\n    assert total > 0\n", []),
        ("assert CONFIG\n", []),
        ("def f():\n    return 1\n    g()\n", ["Q004"]),
        ("def f(x):\n    if x:\n        return 1\n    g()\n", []),
        ("for i in y:\n    break\n    print(i)\n", ["Q004"]),
        ("def f():\n    raise ValueError()\n    # only a comment\n", []),
        ("x = eval(input())\n", ["SEC001"]),
        ("x = eval('1 + 2')\n", []),
        ("exec(code, {})\n", ["SEC001"]),
        ("exec(f'print({1})')\n", ["SEC001"]),
        ("def f(:\n    pass\n", ["SYN001"]),
    ],
)
def test_rules(source: str, expected: list[str]) -> None:
    assert rules(source) == expected


def test_asserts_in_tests_are_fine() -> None:
    source = "def test_pay(amount):\n    assert amount > 0\n"
    assert rules(source, "file:///proj/tests/test_pay.py") == []


def test_confidence_follows_evidence() -> None:
    direct = next(f for f in findings("x = eval(input())\n") if f.rule_id == "SEC001")
    indirect = next(f for f in findings("x = eval(expr)\n") if f.rule_id == "SEC001")
    assert direct.confidence > indirect.confidence
    assert dict(direct.confidence_parts)["prior"] == catalogue()["SEC001"].confidence


def test_findings_around_syntax_errors_are_still_reported() -> None:
    source = "def broken(:\n    pass\n\ntry:\n    x()\nexcept:\n    pass\n"
    assert rules(source) == ["SYN001", "Q001"]


@pytest.mark.parametrize(
    ("source", "rule", "expected"),
    [
        ("try:\n    x()\nexcept:\n    pass\n", "Q001", "try:\n    x()\nexcept Exception:\n    pass\n"),
        (
            'def f(a, seen=[]):\n    """Doc."""\n    seen.append(a)\n',
            "Q002",
            'def f(a, seen=None):\n    """Doc."""\n    if seen is None:\n        seen = []\n    seen.append(a)\n',
        ),
        (
            "def pay(amount):\n    assert amount > 0, 'positive'\n",
            "Q003",
            "def pay(amount):\n    if not (amount > 0):\n        raise ValueError('positive')\n",
        ),
        ("def f():\n    return 1\n    g()\n", "Q004", "def f():\n    return 1\n\n"),
        (
            '"""Mod."""\nimport os\nx = eval(os.environ["X"])\n',
            "SEC001",
            '"""Mod."""\nimport os\nimport ast\nx = ast.literal_eval(os.environ["X"])\n',
        ),
    ],
)
def test_fixes_give_working_code(source: str, rule: str, expected: str) -> None:
    fixed = apply_fix(source, rule)
    assert fixed == expected
    assert rule not in rules(fixed) and "SYN001" not in rules(fixed)


def q002_confidence(source: str) -> float:
    return next(f for f in findings(source) if f.rule_id == "Q002").confidence


DEFAULT_THRESHOLD = 0.3  # `codie check`'s default --min-confidence


@pytest.mark.parametrize(
    "source",
    [
        "def add(item, seen=[]):\n    seen.append(item)\n    return len(seen)\n",
        "def put(k, cache={}):\n    cache[k] = 1\n",
        "def keep(self, opts={}):\n    self.opts = opts\n",
        "def grab(opts={}):\n    return opts\n",
        "def pair(opts={}):\n    return 1, opts\n",  # the caller gets the shared dict in a tuple
        "def hand(opts={}):\n    configure(opts)\n",  # the callee may keep or mutate it
        "def stub(opts={}):\n    pass\n",  # never used: no evidence either way
        "def grow(opts: Optional[dict[str, int]] = {}):\n    opts['k'] = 1\n",  # not read-only
    ],
)
def test_q002_mutated_or_escaping_default_still_shows(source: str) -> None:
    assert q002_confidence(source) >= DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    "source",
    [
        # declared read-only, also when optional: whatever the body does, callers are told
        "def fmt(opts: Optional[Mapping[str, int]] = {}):\n    return opts\n",
        "def fmt(opts: Sequence[str] | None = []):\n    return opts\n",
        "def fmt(opts: 'Union[AbstractSet[str], None]' = set()):\n    return opts\n",
    ],
)
def test_q002_optional_read_only_annotation_is_below_the_default_threshold(source: str) -> None:
    assert q002_confidence(source) < DEFAULT_THRESHOLD  # still there at --min-confidence 0


@pytest.mark.parametrize(
    "source",
    [
        "def grow(opts: Mapping[str, int] | list[int] = {}):\n    return opts\n",  # one arm is mutable
        "def grow(opts: Optional[List[int]] = []):\n    opts.append(1)\n",
    ],
)
def test_q002_annotation_with_a_mutable_arm_still_shows(source: str) -> None:
    assert q002_confidence(source) >= DEFAULT_THRESHOLD


BODY = "def validate(data, formats={}):\n    if not formats['uri'](data):\n        raise ValueError(data)\n"


@pytest.mark.parametrize(
    "header",
    [
        "# *** PLEASE DO NOT MODIFY DIRECTLY: Automatically generated code ***\n\n",
        '"""Schemas."""\n# Generated by the protocol buffer compiler.  DO NOT EDIT!\nimport re\n',
        "# This file is autogenerated by tools/gen.py. Do not edit.\n",
        "# ruff: noqa\n",
        "# flake8: noqa\n",
        "#!/usr/bin/env python\n# pylint: skip-file\n",
    ],
)
def test_q002_in_a_generated_or_lint_exempt_file_is_below_the_default_threshold(header: str) -> None:
    found = next(f for f in findings(header + BODY) if f.rule_id == "Q002")
    assert found.confidence < DEFAULT_THRESHOLD
    assert any("generat" in n or "opts out" in n for n in found.evidence_notes)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "# Generated by Django 5.1 on 2024-01-01 12:00\n",  # a migration: generated, edited by hand
        "# Do not edit the list below without telling ops.\n",  # no word of generation
        "import os\n# ruff: noqa\n",  # not a header: after the first statement
        "# ruff: noqa: E501\n",  # one rule, not the file
    ],
)
def test_q002_true_positive_still_fires_outside_generated_files(header: str) -> None:
    source = header + "def add(item, seen=[]):\n    seen.append(item)\n    return seen\n"
    assert q002_confidence(source) >= DEFAULT_THRESHOLD


def test_q002_follows_edits_to_the_header_in_the_editor() -> None:
    """Q002 depends on the file's header, so it runs over the whole file: adding the header
    lowers the finding below it, removing it brings the finding back."""
    doc = Document("file:///proj/app.py", BODY)
    analysis = DocumentAnalysis(Context(doc, catalogue()), registered())

    def q002() -> float:
        return next(f for f in analysis.run() if f.rule_id == "Q002").confidence

    assert q002() >= DEFAULT_THRESHOLD
    header = b"# Code generated by schema2py. DO NOT EDIT.\n"
    analysis.note_edit(doc.splice(0, 0, header))
    analysis.note_changed_ranges(doc.reparse())
    assert q002() < DEFAULT_THRESHOLD
    analysis.note_edit(doc.splice(0, len(header), b""))
    analysis.note_changed_ranges(doc.reparse())
    assert q002() >= DEFAULT_THRESHOLD


QUERIED = """\
class A:
    def f(self, a=[]):
        try:
            return a
        except:
            pass

    def g(self, b={}):
        assert b
        return b
        b.clear()


def h(c=set()):
    return c
"""


def test_one_query_per_statement_serves_both_quality_analyzers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Q001/Q003/Q004 and Q002 come from one query over each chunk (a query costs its walk
    over the nodes, whatever its patterns), and are the findings each analyzer finds alone."""
    import codie.analyzers.quality as quality

    cursors = 0
    real = quality.QueryCursor

    def counting(query: object) -> object:
        nonlocal cursors
        cursors += 1
        return real(query)

    alone = sorted((f.rule_id, f.start) for f in findings(QUERIED) if f.rule_id.startswith("Q"))
    assert [r for r, _ in alone] == ["Q001", "Q002", "Q002", "Q002", "Q003", "Q004"]
    monkeypatch.setattr(quality, "QueryCursor", counting)
    doc = Document("file:///proj/app.py", QUERIED)
    ctx = Context(doc, catalogue())
    pair = quality.analyzers()
    together = []
    for top in doc.top_level():  # as the engine calls them: statement by statement, in turn
        for analyzer in pair:
            together += [(f.rule_id, f.start) for f in analyzer.analyze(ctx, [top])]
    assert sorted(together) == alone
    assert cursors == 3  # the class's two methods and the function: one query each
