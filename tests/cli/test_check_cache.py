"""`codie check`'s result cache: a warm run equals a cold one, every input invalidates it,
damage is survived, and nothing is written into the checked project."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgpack
import pytest

import codie.headless as headless
from codie.cli.main import main
from codie.core.findings import Category, Finding, Fix, Location, Severity, TextEdit
from codie.core.rules import catalogue_dir
from codie.report.cache import Entry, decode, encode, project_db
from codie.report.model import Located, Place

ROOT = Path(__file__).resolve().parents[2]
FORMATS = ("json", "sarif", "text")
FILES = 6  # shop/*.py, requirements.txt, pyproject.toml


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(ROOT / "examples" / "shop", root / "shop")
    (root / "pyproject.toml").write_text("[tool.codie]\nmin-confidence = 0.3\n")
    (root / "shop" / "util.py").write_text(
        "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n\n\ndef _unused(a=[]):\n    try:\n        run(a)\n"
        "    except:\n        pass\n"
    )
    return root


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the pipeline really analysed (runs use -j 1: in this process)."""
    seen: list[str] = []
    real: Callable[..., Any] = headless.analyse_file

    def spy(path: Path, *args: Any, **kwargs: Any) -> Any:
        seen.append(path.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(headless, "analyse_file", spy)
    return seen


def check(root: Path, out: Path, fmt: str = "json", *extra: str) -> bytes:
    code = main(["check", str(root), "--format", fmt, "-o", str(out), "--fail-on", "never", "-j", "1", *extra])
    assert code == 0
    return out.read_bytes()


def test_a_warm_run_reads_every_result_and_equals_the_cold_run(
    project: Path, tmp_path: Path, analysed: list[str]
) -> None:
    for fmt in FORMATS:
        analysed.clear()
        cold = check(project, tmp_path / f"cold.{fmt}", fmt, "--no-cache")
        assert len(analysed) == FILES
        first = check(project, tmp_path / f"first.{fmt}", fmt)  # fills the cache
        analysed.clear()
        warm = check(project, tmp_path / f"warm.{fmt}", fmt)
        assert analysed == []
        assert warm == first == cold
    assert b"SEC002" in (tmp_path / "warm.json").read_bytes()


def test_the_cache_lives_outside_the_project(project: Path, tmp_path: Path, _own_result_cache: Path) -> None:
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    check(project, tmp_path / "out.json")
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before
    db = project_db(project)
    assert db.is_file() and db.is_relative_to(_own_result_cache)


def test_no_cache_neither_reads_nor_writes(project: Path, tmp_path: Path, analysed: list[str]) -> None:
    check(project, tmp_path / "a.json", "json", "--no-cache")
    assert not project_db(project).exists()
    check(project, tmp_path / "b.json")
    analysed.clear()
    check(project, tmp_path / "c.json", "json", "--no-cache")
    assert len(analysed) == FILES


def test_changing_a_file_re_analyses_and_reports_the_change(project: Path, tmp_path: Path, analysed: list[str]) -> None:
    before = check(project, tmp_path / "a.json")
    (project / "shop" / "clean.py").write_text("def f():\n    return eval(input())\n")
    analysed.clear()
    after = check(project, tmp_path / "b.json")
    assert "clean.py" in analysed
    assert b"shop/clean.py" in after and after != before
    # another file's change re-analyses its importers too (cross-module taint, CPX100)
    analysed.clear()
    (project / "shop" / "helpers.py").write_text("X = 1\n")
    check(project, tmp_path / "c.json")
    assert "views.py" in analysed


@pytest.mark.parametrize(
    "change",
    ["setting", "option", "manifest"],
)
def test_settings_and_project_files_invalidate(project: Path, tmp_path: Path, analysed: list[str], change: str) -> None:
    check(project, tmp_path / "a.json")
    extra: list[str] = []
    if change == "setting":
        (project / "pyproject.toml").write_text("[tool.codie]\nmin-confidence = 0.9\n")
    elif change == "option":
        extra = ["--select", "SEC"]
    else:
        (project / "shop" / "requirements.txt").write_text("PyYAML==6.0.1\n")
    analysed.clear()
    warm = check(project, tmp_path / "b.json", "json", *extra)
    assert len(analysed) == FILES
    assert warm == check(project, tmp_path / "c.json", "json", "--no-cache", *extra)


def test_the_catalogue_and_the_version_invalidate(
    project: Path, tmp_path: Path, analysed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    check(project, tmp_path / "a.json")
    rules = tmp_path / "rules"
    shutil.copytree(catalogue_dir(), rules)
    first = sorted(rules.glob("*.toml"))[0]
    first.write_text(first.read_text().replace('title = "', 'title = "Edited: ', 1))
    monkeypatch.setattr(headless, "catalogue_dir", lambda: rules)
    analysed.clear()
    check(project, tmp_path / "b.json")
    assert len(analysed) == FILES
    analysed.clear()
    check(project, tmp_path / "c.json")
    assert analysed == []
    monkeypatch.setattr(headless, "__version__", "99.0.0")
    check(project, tmp_path / "d.json")
    assert len(analysed) == FILES


def test_a_damaged_database_is_survived(project: Path, tmp_path: Path, analysed: list[str]) -> None:
    cold = check(project, tmp_path / "a.json")
    db = project_db(project)
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.write_bytes(b"this is not a database" * 100)
    analysed.clear()
    assert check(project, tmp_path / "b.json") == cold
    assert len(analysed) == FILES
    analysed.clear()
    assert check(project, tmp_path / "c.json") == cold  # rebuilt: warm again
    assert analysed == []


@pytest.mark.parametrize(
    "blob",
    [
        b"\x00garbage",
        msgpack.packb([1, [1, 2, 3], 0]),  # results that are not results
        msgpack.packb([1, [msgpack.ExtType(99, b"\x90")], 0]),  # a type not on the list
        msgpack.packb([0, [], 0]),  # another format
    ],
)
def test_damaged_entries_are_re_analysed(project: Path, tmp_path: Path, analysed: list[str], blob: bytes) -> None:
    cold = check(project, tmp_path / "a.json")
    with sqlite3.connect(project_db(project)) as conn:
        conn.execute("UPDATE checkcache_results SET entry = ?", [blob])
    analysed.clear()
    assert check(project, tmp_path / "b.json") == cold
    assert len(analysed) == FILES
    analysed.clear()
    assert check(project, tmp_path / "c.json") == cold
    assert analysed == []


def test_entries_round_trip_exactly() -> None:
    finding = Finding(
        "SEC001",
        "message",
        3,
        9,
        Severity.ERROR,
        Category.SECURITY,
        evidence=0.7,
        evidence_notes=("a", "b"),
        confidence=0.123456789,
        confidence_parts=(("prior", 0.5), ("evidence", 0.7)),
        cwe=("CWE-95",),
        fix=Fix("title", (TextEdit(1, 2, "x"),), safe=True),
        related=(Location(1, 2, "step", "file:///x.py", 3, 4),),
        data={"fingerprint": "abc", "path": ("a", "b"), "n": [1, 2.5, None], "nested": {"k": ("t",)}},
    )
    entry = Entry([Located("a.py", finding, 1, 2, 3, 4, "line", "noqa", (Place(1, 2, 3, 4, "m", "s"),))], 2)
    back = decode(encode(entry))
    assert back == entry
    assert back.results[0].finding.data == finding.data
    assert type(back.results[0].finding.severity) is Severity


def test_unencodable_results_are_simply_not_cached() -> None:
    finding = Finding("Q001", "m", 0, 1, data={"odd": {1, 2}})
    with pytest.raises(TypeError):
        encode(Entry([Located("a.py", finding, 1, 1, 1, 2, "")]))


def test_services_built_side_by_side_give_the_same_report(tmp_path: Path) -> None:
    """With more than one job the call graph is built in a second process while the style
    model trains: the report is the one a single process gives (CPX100 and STY001 in it)."""
    from tests.style.workspace import make_workspace

    root = make_workspace(tmp_path / "shop")
    (root / "shop" / "late.py").write_text(
        "def loadOrders(orders):\n    return list(orders)\n\n\ndef _dead():\n    pass\n"
    )
    one = check(root, tmp_path / "one.json", "json", "--no-cache")
    code = main(["check", str(root), "--format", "json", "-o", str(tmp_path / "two.json"), "--fail-on", "never"])
    assert code == 0
    two = (tmp_path / "two.json").read_bytes()
    assert b'"CPX100"' in one and b'"STY' in one
    main(
        [
            "check",
            str(root),
            "--format",
            "json",
            "-o",
            str(tmp_path / "j2.json"),
            "--fail-on",
            "never",
            "-j",
            "2",
            "--no-cache",
        ]
    )
    assert (tmp_path / "j2.json").read_bytes() == one == two


def test_a_cache_folder_that_cannot_be_made_is_no_cache(
    project: Path, tmp_path: Path, analysed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = check(project, tmp_path / "a.json", "json", "--no-cache")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("CODIE_CACHE_DIR", str(blocker))
    analysed.clear()
    assert check(project, tmp_path / "b.json") == cold
    assert check(project, tmp_path / "c.json") == cold
    assert len(analysed) == 2 * FILES
