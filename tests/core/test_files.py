"""The one walker and reader: hostile trees skip only what is broken, never crash or hang."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from codie.cli.main import main
from codie.core.config import Settings
from codie.core.files import SourceProblem, decode, is_included, read_source, walk

TIMEOUT = 120  # a safety net only: the walk must not block at all


def names(paths: list[Path], root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in paths)


def test_gitignore_exclude_and_hidden_folders(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("build/\n*_gen.py\n")
    (tmp_path / "pyproject.toml").write_text('[tool.codie]\nexclude = ["vendor/**"]\n')
    for rel in ("a.py", "b_gen.py", "build/x.py", "vendor/v.py", ".hidden/h.py", "pkg/c.py", "pkg/skip.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x = 1\n")
    (tmp_path / "pkg" / ".gitignore").write_text("skip.py\n")
    settings = Settings(exclude=("vendor/**",))
    found = names(list(walk([tmp_path], tmp_path, settings)), tmp_path)
    assert found == ["a.py", "pkg/c.py"]
    # a walk started in a subfolder still honours the .gitignore files above it
    assert names(list(walk([tmp_path / "pkg"], tmp_path, settings)), tmp_path) == ["pkg/c.py"]
    assert is_included(tmp_path / "pkg" / "c.py", tmp_path, settings)
    assert not is_included(tmp_path / "pkg" / "skip.py", tmp_path, settings)
    assert not is_included(tmp_path / "build" / "x.py", tmp_path, settings)


def test_symlink_loops_fifos_and_unreadable_folders_skip_only_themselves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "good.py").write_text("x = eval(input())\n")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")  # a looping symlink, as a folder name
    (tmp_path / "loop.py").symlink_to(tmp_path / "loop.py")  # and as a file name
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path)  # a cycle through a symlinked folder
    (tmp_path / "sub" / "ok.py").write_text("y = 1\n")
    os.mkfifo(tmp_path / "x.py")  # opening it for reading would block forever
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "secret.py").write_text("z = 1\n")
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:  # root reads anything: make "locked" refuse
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    skipped: list[tuple[str, str]] = []
    result: list[Path] = []
    done = threading.Event()

    def run() -> None:
        result.extend(walk([tmp_path], tmp_path, Settings(), on_skip=lambda p, why: skipped.append((p.name, why))))
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(TIMEOUT), "the walk hung"
    assert names(result, tmp_path) == ["good.py", "sub/ok.py"]
    reasons = dict(skipped)
    assert reasons["loop.py"] == "symlink loop"
    assert reasons["x.py"] == "not a regular file"
    assert "locked" in reasons


def test_codie_check_survives_the_same_tree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "good.py").write_text("x = eval(input())\n")
    (tmp_path / "loop.py").symlink_to(tmp_path / "loop.py")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path)
    os.mkfifo(tmp_path / "x.py")
    code: list[int] = []
    done = threading.Event()
    threading.Thread(
        target=lambda: (
            code.append(main(["check", str(tmp_path), "--format", "json", "-j", "1", "--fail-on", "warning"])),
            done.set(),
        ),
        daemon=True,
    ).start()
    assert done.wait(TIMEOUT), "codie check hung"
    assert code == [1]
    report = json.loads(capsys.readouterr().out)
    assert [(f["path"], f["rule"]) for f in report["findings"]] == [("good.py", "SEC001")]
    assert sorted(report["errors"]) == ["loop.py: skipped (symlink loop)", "x.py: skipped (not a regular file)"]


def test_large_binary_and_latin1_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = "x = 1\n" * 1_000_001  # > 5 MB: today it was cut mid-line (a false SYN001)
    (tmp_path / "big.py").write_text(big)
    (tmp_path / "blob.py").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "declared.py").write_bytes(
        "# -*- coding: latin-1 -*-\nname = 'Jos\u00e9'\nx = eval(input())\n".encode("latin-1")
    )
    (tmp_path / "undeclared.py").write_bytes("name = 'Jos\u00e9'\n".encode("latin-1"))
    # eval(input()) is a warning (operator input): the exit code says a finding was shown
    assert main(["check", str(tmp_path), "--format", "json", "-j", "1", "--fail-on", "warning"]) == 1
    report = json.loads(capsys.readouterr().out)
    found = sorted((f["path"], f["rule"]) for f in report["findings"])
    assert found == [
        ("big.py", "CFG020"),
        ("blob.py", "CFG021"),
        ("declared.py", "SEC001"),
        ("undeclared.py", "CFG022"),
    ]
    message = {f["path"]: f["message"] for f in report["findings"]}
    assert "above the limit" in message["big.py"] and "coding" in message["undeclared.py"]
    sec = next(f for f in report["findings"] if f["path"] == "declared.py")
    assert sec["start"] == {"line": 3, "column": 5}


def test_reader_answers() -> None:
    assert decode("x = 'é'\n".encode()) == "x = 'é'\n"
    assert decode(b"\xef\xbb\xbfx = 1\n") == "x = 1\n"  # a BOM is not part of the text
    problem = decode(b"# coding: nonsense-encoding\nx = 1\n")
    assert isinstance(problem, SourceProblem) and problem.rule == "CFG022"


def test_a_size_limit_is_configurable(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n" * 100)
    assert isinstance(read_source(tmp_path / "a.py", limit=100), SourceProblem)
    assert read_source(tmp_path / "a.py", limit=10_000) == "x = 1\n" * 100
