"""A check collects less often (headless.GC_THRESHOLD) and never walks its services again
(gc.freeze once they are built), and gives the GC's settings back as they were."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import pytest

import codie.headless as headless
from codie.core.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_files_are_analysed_with_the_services_frozen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", root)
    seen: list[tuple[int, bool]] = []
    check_one = headless.check_one

    def spied(path: str, state: headless._State | None = None) -> tuple[str, list, str | None, int]:  # type: ignore[type-arg]
        assert state is not None
        style = state.services["style"]
        # a frozen object is in no generation the collector walks
        walked = any(o is style for o in gc.get_objects())
        seen.append((gc.get_threshold()[0], walked))
        return check_one(path, state)

    monkeypatch.setattr(headless, "check_one", spied)
    gc.unfreeze()  # (an earlier test's call-graph build may have frozen objects: kept frozen)
    before = gc.get_threshold()
    run = headless.check_paths([root], root, Settings(), jobs=1)
    assert run.files and len(seen) == len(run.files)
    assert all(t == headless.GC_THRESHOLD and not walked for t, walked in seen)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0  # given back
