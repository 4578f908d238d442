"""Every dependency test reads the packaged index, never a user's refreshed copy."""

from __future__ import annotations

import pytest

from codie.analyzers.dependencies.advisories import ENV_PATH, packaged_path


@pytest.fixture(autouse=True)
def packaged_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_PATH, str(packaged_path()))
