"""Codie's stores run no sqlite-utils plugins: opening one never scans the installed
distributions' entry points for them (~50 ms and 2 MiB that stayed in the server)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils.db

from codie import store


def test_opening_a_store_loads_no_sqlite_utils_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[int] = []
    real = sqlite_utils.db.ensure_plugins_loaded
    monkeypatch.setattr(sqlite_utils.db, "ensure_plugins_loaded", lambda: (loads.append(1), real())[1])
    db = store.open_store(tmp_path / "s.db", "demo", [lambda d: d.execute("CREATE TABLE t (a INTEGER)")])
    try:
        db.execute("INSERT INTO t VALUES (1)")
        assert db.execute("SELECT a FROM t").fetchall() == [(1,)]
        assert db["t"].count == 1  # the table API sqlite-utils gives still works
    finally:
        db.conn.close()
    assert loads == []
