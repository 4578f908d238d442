"""DEP001-DEP003 on documents: the pin's exact line, severity, upgrade fix, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from codie.analyzers.dependencies.analyzer import DependencyAnalyzer
from codie.core.analyzer import Context
from codie.core.document import Document
from codie.core.engine import analyze
from codie.core.findings import Finding, Severity
from codie.core.rules import catalogue


def check(name: str, text: str) -> tuple[Document, list[Finding]]:
    doc = Document(f"file:///proj/{name}", text)
    return doc, analyze(Context(doc, catalogue()), [DependencyAnalyzer()])


def line_of(doc: Document, f: Finding) -> int:
    return doc.position_at(f.start)[0]


def apply(text: str, f: Finding) -> str:
    assert f.fix is not None
    src = text.encode()
    for e in sorted(f.fix.edits, key=lambda e: e.start, reverse=True):
        src = src[: e.start] + e.new_text.encode() + src[e.end :]
    return src.decode()


def test_vulnerable_pin_with_upgrade_fix() -> None:
    text = "flask==3.0.3\nDjango==1.11  # pinned long ago\nrequests==2.32.3\n"
    doc, found = check("requirements.txt", text)
    (f,) = found
    assert (f.rule_id, line_of(doc, f), f.severity) == ("DEP001", 1, Severity.ERROR)
    assert "CVE-" in f.message and "upgrade to 2.2.28" in f.message
    assert f.fix is not None and f.fix.title == "Upgrade Django to 2.2.28 (fixes 16 advisories)"
    fixed = apply(text, f)
    assert fixed.splitlines()[1] == "Django==2.2.28  # pinned long ago"
    assert check("requirements.txt", fixed)[1] == []


def test_range_floor_is_a_hint_with_floor_fix() -> None:
    text = "requests>=2.19.0,<3\n"
    _, (f,) = check("requirements.txt", text)
    assert (f.rule_id, f.severity) == ("DEP002", Severity.INFO)
    assert apply(text, f) == "requests>=2.31.0,<3\n"
    _, (g,) = check("requirements.txt", "requests~=2.19.0\n")
    assert g.fix is None  # raising a ~= floor would change the range's meaning


def test_lockfile_finding_has_no_edit_but_names_the_upgrade() -> None:
    text = '[[package]]\nname = "pyyaml"\nversion = "5.3"\n'
    doc, (f,) = check("poetry.lock", text)
    assert line_of(doc, f) == 2 and doc.source[f.start : f.end] == b"5.3"
    assert f.fix is None and "upgrade to 5.4 and relock" in f.message


def test_severity_follows_cvss(monkeypatch: pytest.MonkeyPatch) -> None:
    from codie.analyzers.dependencies import analyzer as mod

    class Fake:
        def __init__(self, score: float | None) -> None:
            self.score = score

    assert mod.severity_for([Fake(5.0)]) is Severity.WARNING  # type: ignore[list-item]
    assert mod.severity_for([Fake(2.0)]) is Severity.INFO  # type: ignore[list-item]
    assert mod.severity_for([Fake(2.0), Fake(9.8)]) is Severity.ERROR  # type: ignore[list-item]
    assert mod.severity_for([Fake(None)]) is Severity.ERROR  # type: ignore[list-item]


def test_malformed_lines_are_reported_and_the_rest_checked() -> None:
    text = "django=1.11\n--no-such-option\npyyaml==5.3\nurllib3==not.a.version!\n"
    doc, found = check("requirements.txt", text)
    by_line = {line_of(doc, f): f.rule_id for f in found}
    assert by_line == {0: "DEP003", 1: "DEP003", 2: "DEP001", 3: "DEP003"}


def test_broken_lockfile_keeps_checking_later_tables() -> None:
    text = '[[package]]\nname = "jinja2"\nversion = 2.10"\n\n[[package]]\nname = "pyyaml"\nversion = "5.3"\n'
    doc, found = check("uv.lock", text)
    assert [(f.rule_id, line_of(doc, f)) for f in found] == [("DEP003", 2), ("DEP001", 6)]


def test_broken_pyproject_and_pipfile_lock() -> None:
    doc, found = check("pyproject.toml", '[project]\ndependencies = ["django==1.11",\n"flask=2"]\nname = \n')
    # the TOML error itself is CFG001's (configuration analyzer); the bad PEP 508 string ours
    assert sorted((f.rule_id, line_of(doc, f)) for f in found) == [("DEP001", 1), ("DEP003", 2)]
    text = '{"default": {"django": {"version": "==1.11"},\n  "x": {"version": "==1"}, }}'
    doc, found = check("Pipfile.lock", text)
    assert sorted((f.rule_id, line_of(doc, f)) for f in found) == [("DEP001", 0), ("DEP003", 1)]


@pytest.mark.parametrize(
    "junk",
    [
        b"\x00\xff\xfe",
        b"[[[[",
        b"{",
        b"\\\n\\\n",
        b"-r\n-e\n",
        b"-r \x00x\n-c ~/x\n",
        b"a = " + b"[" * 5000,
        b'x = """never closed\n' * 50,
    ],
)
def test_garbage_never_crashes(junk: bytes) -> None:
    for name in ("requirements.txt", "pyproject.toml", "poetry.lock", "Pipfile.lock", "pylock.toml"):
        doc = Document(f"file:///p/{name}", junk.decode("utf-8", "replace"))
        findings = analyze(Context(doc, catalogue()), [DependencyAnalyzer()])
        assert all(f.rule_id == "DEP003" for f in findings)


def test_includes_are_followed_and_summarised(tmp_path: Path) -> None:
    (tmp_path / "req").mkdir()
    (tmp_path / "req" / "base.txt").write_text("django==1.11\n-r ../more.txt\n")
    (tmp_path / "more.txt").write_text("pyyaml==5.3\n-r req/base.txt\n")  # a cycle
    (tmp_path / "constraints.txt").write_text("urllib3==2.2.3\n")
    text = "-r req/base.txt\n-c constraints.txt\n-r missing.txt\nflask\n"
    doc = Document((tmp_path / "requirements.txt").as_uri(), text)
    found = analyze(Context(doc, catalogue()), [DependencyAnalyzer()])
    rows = [(f.rule_id, line_of(doc, f)) for f in found]
    assert rows == [("DEP007", 0), ("DEP003", 2)]
    dep007 = found[0]
    assert "django 1.11 (16), pyyaml 5.3 (2)" in dep007.message
    assert [(loc.uri, loc.line) for loc in dep007.related] == [
        ((tmp_path / "req" / "base.txt").as_uri(), 0),
        ((tmp_path / "more.txt").as_uri(), 0),
    ]


def test_build_requirement_floors_are_not_reported() -> None:
    text = '[build-system]\nrequires = ["setuptools>=40", "wheel==0.30.0"]\n'
    _, found = check("pyproject.toml", text)
    assert [f.rule_id for f in found] == ["DEP001"]  # the exact wheel pin still counts


def test_broken_skipped_value_in_a_lockfile_is_reported_on_its_line() -> None:
    text = (
        '[[package]]\nname = "jinja2"\nversion = "2.10"\nwheels = [\n'
        '    { url = "https://x/a.whl", hash = "sha256:1" },\n'
        '    { url = "https://x/b.whl, hash = "sha256:2" },\n'  # a lost quote
        ']\n\n[[package]]\nname = "pyyaml"\nversion = "5.3"\n'
        'sdist = { url = "https://x/p.tar.gz" }\nwheels = [\n  { url = "u" },\n'
    )  # unclosed
    doc, found = check("uv.lock", text)
    assert [(f.rule_id, line_of(doc, f)) for f in found] == [
        ("DEP001", 2),
        ("DEP003", 5),
        ("DEP001", 10),
        ("DEP003", 12),
    ]


def test_a_broken_user_index_falls_back_to_the_packaged_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "advisories.json.gz"
    broken.write_bytes(b"not gzip")
    monkeypatch.setenv("CODIE_ADVISORIES", str(broken))
    _, found = check("requirements.txt", "django==1.11\n")
    assert [f.rule_id for f in found] == ["DEP001"]
