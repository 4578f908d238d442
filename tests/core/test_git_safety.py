"""git on a hostile repository: programs its configuration names never run.

The repository below defines a textconv diff driver, an external diff, a clean filter and
an fsmonitor hook that each create a marker file. Codie's churn/hotspots, `--diff`,
new-code focus and the PR diff must read its history without creating any marker.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codie.analyzers.churn import ChurnIndex
from codie.analyzers.hotspots import compute
from codie.core.git import changed_lines, git, text_at_ref

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=ENV)


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    repo = tmp_path / "repo"
    marks = tmp_path / "marks"
    marks.mkdir()
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "commit", "-q", "--allow-empty", "-m", "root")
    (repo / "a.py").write_text("def f(x):\n    return x\n")
    _git(repo, "add", "a.py")
    _git(repo, "commit", "-qm", "one")
    (repo / "a.py").write_text("def f(x):\n    if x:\n        return 1\n    return x\n")
    _git(repo, "commit", "-qam", "two")
    hook = tmp_path / "fsmonitor.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marks}/fsmonitor\n")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    # only now the traps: git's own commits above must not trip them
    with (repo / ".git" / "config").open("a") as fh:
        fh.write(
            f'[diff "x"]\n\ttextconv = "touch {marks}/textconv; cat"\n'
            f'[diff]\n\texternal = "touch {marks}/external"\n'
            f'[filter "f"]\n\tclean = "touch {marks}/clean; cat"\n'
            f'[core]\n\tfsmonitor = {hook}\n\tpager = "touch {marks}/pager; cat"\n'
        )
    (repo / ".gitattributes").write_text("*.py diff=x filter=f\n")
    (repo / "a.py").write_text("def f(x):\n    if x:\n        return 2\n    return x\n")
    return repo, marks


def test_the_traps_are_real(hostile: tuple[Path, Path]) -> None:
    """Plain git runs them: otherwise the test below would prove nothing."""
    repo, marks = hostile
    subprocess.run(["git", "-C", str(repo), "log", "-p", "-1"], capture_output=True, env=ENV)
    subprocess.run(["git", "-C", str(repo), "diff", "HEAD"], capture_output=True, env=ENV)
    assert (marks / "textconv").exists() or (marks / "external").exists()
    assert (marks / "clean").exists() or (marks / "fsmonitor").exists()


def test_codie_runs_none_of_them(hostile: tuple[Path, Path], tmp_path: Path) -> None:
    repo, marks = hostile
    index = ChurnIndex(repo, tmp_path / "store.db")
    assert index.refresh(since=int(time.time()) - 86400) == 2  # churn: git log -p
    files, _functions = compute(repo, 10 * 365 * 86400, tmp_path / "store.db")
    assert [h.path for h in files] == ["a.py"]
    assert 2 in changed_lines(repo, "HEAD~1")["a.py"]  # the working tree against a ref
    assert changed_lines(repo, "HEAD~2", "HEAD")["a.py"]  # a pull request's range
    assert "return 1" in (text_at_ref(repo / "a.py", "HEAD") or "")
    git(repo, "show", "HEAD")
    git(repo, "status")
    assert sorted(p.name for p in marks.iterdir()) == []


def test_codie_check_diff_runs_none_of_them(hostile: tuple[Path, Path]) -> None:
    repo, marks = hostile
    done = subprocess.run(
        [sys.executable, "-m", "codie", "check", ".", "--diff", "HEAD~1", "--format", "json", "--no-baseline"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    assert sorted(p.name for p in marks.iterdir()) == []
