"""Codie's `.codie/` state folder never shows in the user's `git status`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from codie.store import connect, default_path


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def test_the_state_folder_ignores_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CODIE_DB", raising=False)
    git(tmp_path, "init", "-q")
    (tmp_path / "app.py").write_text("x = 1\n")
    db = connect(default_path(tmp_path))
    db.execute("CREATE TABLE t (x INTEGER)")
    db.conn.close()
    assert (tmp_path / ".codie" / "codie.db").is_file()
    assert git(tmp_path, "status", "--porcelain", "--untracked-files=all").splitlines() == ["?? app.py"]


def test_a_users_own_gitignore_is_kept(tmp_path: Path) -> None:
    (tmp_path / ".codie").mkdir()
    (tmp_path / ".codie" / ".gitignore").write_text("codie.db\n")
    connect(tmp_path / ".codie" / "codie.db").conn.close()
    assert (tmp_path / ".codie" / ".gitignore").read_text() == "codie.db\n"
