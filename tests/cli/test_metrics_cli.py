"""`codie metrics`: per-function rows that agree with radon, sorting, thresholds, formats."""

from __future__ import annotations

import csv
import io
import json
import json.decoder as json_decoder
import textwrap
import textwrap as textwrap_module
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from radon.complexity import cc_visit
from radon.metrics import h_visit, mi_visit

from codie.cli.main import main

SAMPLE = """\
def simple():
    return 1


def branchy(a, b):
    if a and b:
        return 1
    elif a or b:
        return 2
    for i in range(3):
        if i:
            continue
    return 0


class Shape:
    def area(self, w, h):
        return w * h if w > 0 else 0
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["metrics", *args])
    return code, capsys.readouterr().out


def rows(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    code, out = run(capsys, *args, "--format", "json")
    assert code == 0
    data: list[dict[str, Any]] = json.loads(out)
    return data


def radon_blocks(code: str) -> Iterator[Any]:
    def walk(blocks: list[Any]) -> Iterator[Any]:
        for b in blocks:
            yield b
            yield from walk(getattr(b, "closures", []))
            yield from walk(getattr(b, "methods", []))

    yield from walk(cc_visit(code))


@pytest.mark.parametrize("module", [textwrap_module, json_decoder], ids=["textwrap", "decoder"])
def test_functions_agree_with_radon(module: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(module.__file__)
    code = path.read_text(encoding="utf-8")
    ours = {r["line"]: r for r in rows(capsys, str(path), "--kind", "function", "--kind", "method")}
    theirs = {b.lineno: b for b in radon_blocks(code) if b.letter in "FM"}
    assert theirs and set(theirs) <= set(ours)
    assert {line: ours[line]["cc"] for line in theirs} == {line: b.complexity for line, b in theirs.items()}
    halstead = dict(h_visit(code).functions)
    compared = 0
    for row in ours.values():
        name = row["name"].rpartition(".")[2]
        if row["kind"] == "function" and "." not in row["name"] and name in halstead:
            assert row["volume"] == pytest.approx(halstead[name].volume, abs=0.01)
            assert row["difficulty"] == pytest.approx(halstead[name].difficulty, abs=0.01)
            assert row["effort"] == pytest.approx(halstead[name].effort, abs=0.05)
            compared += 1
    assert compared >= 3
    module_row = rows(capsys, str(path), "--kind", "module")[0]
    # MI depends on line classification details (LLOC, comments); within 2 points of radon's
    assert module_row["mi"] == pytest.approx(mi_visit(code, True), abs=2.0)


def test_sort_threshold_and_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.py").write_text(SAMPLE)
    all_rows = rows(capsys, str(tmp_path))
    assert [(r["kind"], r["name"]) for r in all_rows] == [
        ("function", "simple"),
        ("function", "branchy"),
        ("class", "Shape"),
        ("method", "Shape.area"),
    ]
    branchy = all_rows[1]
    assert (branchy["cc"], branchy["cc_rank"], branchy["line"]) == (7, "B", 5)
    by_cc = rows(capsys, str(tmp_path), "--sort", "cc")
    assert by_cc[0]["name"] == "branchy"
    assert [r["name"] for r in rows(capsys, str(tmp_path), "--min-cc", "2")] == ["branchy", "Shape", "Shape.area"]
    by_sloc = rows(capsys, str(tmp_path), "--sort", "sloc", "--top", "1")
    assert [r["name"] for r in by_sloc] == ["branchy"]
    by_mi = rows(capsys, str(tmp_path), "--sort", "mi")
    assert by_mi[0]["mi"] == min(r["mi"] for r in by_mi)
    assert rows(capsys, str(tmp_path), "--min-cc", "50") == []


def test_text_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.py").write_text(SAMPLE)
    code, text = run(capsys, str(tmp_path), "--min-cc", "3")
    assert code == 0
    assert text.startswith("m.py:5: F branchy - B (7)  cognitive ")
    code, out = run(capsys, str(tmp_path), "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert [r["name"] for r in table] == ["simple", "branchy", "Shape", "Shape.area"]
    assert table[3]["kind"] == "method" and table[3]["cc"] == "2"


def test_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ok.py").write_text(textwrap.dedent("def f():\n    pass\n"))
    (tmp_path / "bin.py").write_bytes(b"\x00\xff" * 10)
    (tmp_path / "broken.py").write_text("def g(:\n")
    code = main(["metrics", str(tmp_path), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0
    assert "bin.py: not a text file" in captured.err
    assert "f" in [r["name"] for r in json.loads(captured.out)]
    assert main(["metrics", str(tmp_path / "missing")]) == 2
    assert main(["metrics", str(tmp_path), "--min-cc", "-1"]) == 2
