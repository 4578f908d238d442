"""The one SQLite store (sqlite-utils), with versioned migrations per component.

Each component (callgraph, style, worker, feedback, ...) owns tables prefixed with its
name and registers an ordered list of migrations; `open_store` applies the missing ones.
The database lives in <project>/.codie/codie.db unless CODIE_DB says otherwise.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]


def default_path(root: Path) -> Path:
    env = os.environ.get("CODIE_DB")
    return Path(env) if env else root / ".codie" / "codie.db"


def ensure_dir(folder: Path) -> None:
    """Create folder; a `.codie` state folder ignores itself, so that it never shows in the
    user's `git status` (the store is a few MB of SQLite)."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if folder.name == ".codie" and not ignore.exists():
        # best effort: a read-only checkout fails later, on the database, with a clear error
        with contextlib.suppress(OSError):
            ignore.write_text("# Codie's local state (caches, feedback): never commit it.\n*\n")


def connect(path: Path | str) -> sqlite_utils.Database:
    if str(path) != ":memory:":
        ensure_dir(Path(path).parent)
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    db = sqlite_utils.Database(conn)
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (component TEXT PRIMARY KEY, version INTEGER)"
    )
    return db


def migrate(db: sqlite_utils.Database, component: str, steps: Sequence[Migration]) -> None:
    """Apply steps[version:] for `component`, each in its own transaction."""
    row = db.execute("SELECT version FROM _migrations WHERE component = ?", [component]).fetchone()
    version = row[0] if row else 0
    for number, step in enumerate(steps[version:], start=version + 1):
        with db.conn:
            step(db)
            db.execute(
                "INSERT INTO _migrations (component, version) VALUES (?, ?) "
                "ON CONFLICT(component) DO UPDATE SET version = excluded.version",
                [component, number],
            )


def open_store(
    path: Path | str, component: str, steps: Sequence[Migration]
) -> sqlite_utils.Database:
    db = connect(path)
    migrate(db, component, steps)
    return db
