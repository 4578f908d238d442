"""LoadedBaseline.rel_path is asked on every publish of a document: each file's answer is
walked through the file system (realpath) once per loaded baseline, then remembered."""

from __future__ import annotations

from pathlib import Path

import pytest

from codie.core.baseline import load_for
from codie.core.config import Settings


def test_rel_path_resolves_each_file_once_per_loaded_baseline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "a.py").write_text("x = 1\n")
    (tmp_path / "link").symlink_to(project / "pkg")
    inside, via_link, outside = project / "pkg" / "a.py", tmp_path / "link" / "a.py", tmp_path / "b.py"
    loaded = load_for(project, Settings())
    calls = 0
    resolve = Path.resolve

    def counted(self: Path, strict: bool = False) -> Path:
        nonlocal calls
        calls += 1
        return resolve(self, strict)

    monkeypatch.setattr(Path, "resolve", counted)
    answers = [loaded.rel_path(p) for p in (inside, via_link, outside)]
    assert answers == ["pkg/a.py", "pkg/a.py", None]
    walked = calls
    assert walked > 0
    for _ in range(5):  # publishes: the same answers, no file-system walk
        assert [loaded.rel_path(p) for p in (inside, via_link, outside)] == answers
    assert calls == walked
    # a baseline loaded again (the editor's cache forgets it when files or settings change)
    # walks again: a link that now leads elsewhere is seen
    (tmp_path / "link").unlink()
    (tmp_path / "link").symlink_to(tmp_path)
    assert load_for(project, Settings()).rel_path(via_link) is None
    assert loaded.rel_path(via_link) == "pkg/a.py"  # (the old one answers as it did)
