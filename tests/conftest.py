"""Fixtures for every test."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _own_result_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`codie check` caches results in the user's cache folder: each test gets its own, so
    no test writes into the home folder or reads another test's results."""
    folder = tmp_path_factory.mktemp("codie-cache")
    monkeypatch.setenv("CODIE_CACHE_DIR", str(folder))
    return folder
