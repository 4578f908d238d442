"""`codie check --diff BASE` reports only what the change adds or modifies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codie.cli.main import main
from codie.pr.diff import changed_lines, parse_diff
from tests.pr.helpers import make_repo, sh


def test_parse_diff_hunks() -> None:
    text = "+++ b/a.py\n@@ -1,0 +2,3 @@\n+x\n@@ -9 +12 @@\n+y\n+++ b/gone.py\n@@ -3,2 +2,0 @@\n+++ /dev/null\n"
    assert parse_diff(text) == {"a.py": {2, 3, 4, 12}, "gone.py": set()}


def test_diff_against_a_branch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    make_repo(repo)
    sh(repo, "checkout", "--quiet", "feature")
    assert changed_lines(repo, "main")["app.py"] == set(range(10, 21))
    (repo / "new.py").write_text("try:\n    x\nexcept:\n    pass\n")  # untracked: all new
    code = main(["check", str(repo), "--diff", "main", "--format", "json"])
    rules = sorted((f["path"], f["rule"], f["start"]["line"]) for f in json.loads(capsys.readouterr().out)["findings"])
    assert rules == [("app.py", "Q001", 15), ("app.py", "SEC001", 17), ("new.py", "Q001", 3)]
    assert code == 1
    # without --diff the old eval on line 9 is reported too
    main(["check", str(repo), "--format", "json"])
    everything = json.loads(capsys.readouterr().out)["findings"]
    assert any(f["start"]["line"] == 9 for f in everything)


def test_diff_with_an_unknown_revision_is_a_usage_error(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_repo(repo)
    assert main(["check", str(repo), "--diff", "no-such-branch"]) == 2
