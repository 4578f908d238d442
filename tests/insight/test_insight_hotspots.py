"""Churn from git and hotspots (churn x complexity), on a small repository built here."""

from __future__ import annotations

import json
import os
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from codie.analyzers.churn import ChurnError, ChurnIndex, parse_window
from codie.analyzers.hotspots import compute, svg_chart
from codie.cli.main import main as cli_main

DAY = 86400
NOW = int(time.time())
BUSY_V1 = "def busy(x):\n    if x:\n        return 1\n    return 0\n\n\ndef calm():\n    return 1\n"
BUSY_V2 = (
    "def busy(x):\n    if x > 1:\n        return 2\n    elif x:\n        return 1\n"
    "    return 0\n\n\ndef calm():\n    return 1\n"
)
BUSY_V3 = (
    "def busy(x):\n    if x > 1 and x < 9:\n        return 2\n    elif x:\n"
    "        return 1\n    for i in range(x):\n        pass\n    return 0\n\n\n"
    "def calm():\n    return 1\n"
)


def commit(repo: Path, files: dict[str, str], author: str, days_ago: int) -> None:
    for rel, text in files.items():
        (repo / rel).write_text(text)
    stamp = f"{NOW - days_ago * DAY} +0000"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
    subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "-c",
            f"user.name={author}",
            "-c",
            f"user.email={author}@example.com",
            "commit",
            "-qm",
            f"change by {author}",
        ],
        check=True,
        env=env,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    commit(tmp_path, {"a.py": "def old():\n    pass\n"}, "ann", 400)
    commit(tmp_path, {"b.py": BUSY_V1}, "ann", 30)
    commit(tmp_path, {"b.py": BUSY_V2}, "bob", 20)
    commit(tmp_path, {"b.py": BUSY_V3, "a.py": "def old():\n    return 1\n"}, "ann", 10)
    return tmp_path


def test_parse_window() -> None:
    assert parse_window("90 days") == 90 * DAY
    assert parse_window("12 months") == 360 * DAY
    assert parse_window("1y") == 365 * DAY
    with pytest.raises(ChurnError):
        parse_window("soon")


def test_file_and_function_churn_over_a_window(repo: Path) -> None:
    index = ChurnIndex(repo, ":memory:")
    files = {c.path: c for c in index.files(365 * DAY)}
    assert (files["b.py"].commits, files["b.py"].authors) == (3, 2)
    assert (files["a.py"].commits, files["a.py"].added, files["a.py"].removed) == (1, 1, 1)
    functions = {(c.path, c.function): c for c in index.functions(365 * DAY)}
    assert functions[("b.py", "busy")].commits == 3
    assert functions[("b.py", "calm")].commits == 1  # only when the file was created
    recent = {c.path: c for c in index.files(15 * DAY)}
    assert recent["b.py"].commits == 1


def test_churn_cache_reads_only_new_commits(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    db = tmp_path_factory.mktemp("db") / "codie.db"
    assert ChurnIndex(repo, db).refresh(NOW - 365 * DAY) == 3
    assert ChurnIndex(repo, db).refresh(NOW - 365 * DAY) == 0
    commit(repo, {"b.py": BUSY_V3 + "\n\ndef more():\n    pass\n"}, "cy", 1)
    index = ChurnIndex(repo, db)
    assert index.refresh(NOW - 365 * DAY) == 1
    files = {c.path: c for c in index.files(365 * DAY)}
    assert (files["b.py"].commits, files["b.py"].authors) == (4, 3)
    # a wider window than the cache holds: history is read again
    assert index.refresh(NOW - 500 * DAY) == 5


def test_hotspots_rank_churn_times_complexity(repo: Path) -> None:
    files, functions = compute(repo, 365 * DAY, ":memory:")
    assert [f.path for f in files] == ["b.py", "a.py"]
    b = files[0]
    assert b.complexity == 5 + 1  # busy: 1 + if, and, elif, for; calm: 1
    assert b.score == 3 * 6 and b.normalised == 1.0
    assert (functions[0].function, functions[0].line, functions[0].score) == ("busy", 1, 3 * 5)


def test_svg_chart_is_well_formed(repo: Path) -> None:
    files, _ = compute(repo, 365 * DAY, ":memory:")
    root = ET.fromstring(svg_chart(files, "Hotspots <test>"))
    assert root.tag.endswith("svg")
    circles = [e for e in root.iter() if e.tag.endswith("circle")]
    assert len(circles) == 2
    assert svg_chart([], "empty").startswith("<svg")


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(ChurnError, match="not inside a git repository"):
        compute(tmp_path, DAY, ":memory:")


def test_cli(repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    chart = repo / "chart.svg"
    assert cli_main(["hotspots", str(repo), "--no-cache", "--chart", str(chart)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[2].split()[-1] == "b.py"
    ET.parse(chart)
    assert (
        cli_main(["hotspots", str(repo), "--no-cache", "--functions", "--format", "json", "--no-chart", "--top", "1"])
        == 0
    )
    rows = json.loads(capsys.readouterr().out)["hotspots"]
    assert [r["function"] for r in rows] == ["busy"]
    assert cli_main(["hotspots", str(repo), "--window", "sometime"]) == 2
    assert cli_main(["hotspots", str(repo / "missing")]) == 2
