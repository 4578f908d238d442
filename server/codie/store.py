"""The one SQLite store (sqlite-utils), with versioned migrations per component.

Each component (callgraph, style, worker, feedback, ...) owns tables prefixed with its
name and registers an ordered list of migrations; `open_store` applies the missing ones.
The database lives in <project>/.codie/codie.db unless CODIE_DB says otherwise.

The store heals instead of switching features off: a file that is not a database (or
whose pages are damaged) is moved aside as `<name>.corrupt-<time>` and rebuilt empty; a
store that cannot be written (read-only file or folder) is copied into memory, so the
features keep working for this process and one log line says why nothing is saved.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: sqlite-utils costs ~40 ms at start-up
    import sqlite_utils


Migration = Callable[["sqlite_utils.Database"], None]
log = logging.getLogger(__name__)

# what SQLite says about a file that is not (or no longer) a database
_CORRUPT = ("file is not a database", "malformed", "file is encrypted", "not a database")
# what it says when the file or its folder cannot be written
_READ_ONLY = ("readonly", "read-only", "unable to open", "disk i/o error", "permission denied")


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


def _configure(conn: sqlite3.Connection) -> sqlite_utils.Database:
    conn.execute("PRAGMA busy_timeout=30000")
    # Switching to WAL, or opening while another connection closes (and checkpoints) the
    # same file, can answer "database is locked" without waiting: retry a little.
    for attempt in range(20):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS _migrations (component TEXT PRIMARY KEY, version INTEGER)")
            break
        except sqlite3.OperationalError as exc:
            if ("locked" not in str(exc) and "busy" not in str(exc)) or attempt == 19:
                raise
            time.sleep(0.05 * (attempt + 1))
    import sqlite_utils

    # No sqlite-utils plugins: loading them scans every installed distribution's entry
    # points (~50 ms of CPU, and 2 MiB that stay in the language server, allocated in
    # the middle of its first call graph build or style training), and Codie's stores
    # use plain SQL, nothing a plugin adds to a connection.
    return sqlite_utils.Database(conn, execute_plugins=False)


def _raw(path: Path | str) -> sqlite_utils.Database:
    if str(path) != ":memory:":
        ensure_dir(Path(path).parent)
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False, isolation_level=None)
    try:
        return _configure(conn)
    except BaseException:
        conn.close()
        raise


def is_corrupt(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.DatabaseError) and any(m in str(exc).lower() for m in _CORRUPT)


def is_read_only(exc: BaseException) -> bool:
    if isinstance(exc, PermissionError):
        return True
    return isinstance(exc, sqlite3.OperationalError) and any(m in str(exc).lower() for m in _READ_ONLY)


def move_aside(path: Path) -> Path:
    """Rename a damaged store (and its WAL files) out of the way; returns the new name."""
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(str(path) + suffix)
        with contextlib.suppress(FileNotFoundError):
            part.rename(Path(str(aside) + suffix))
    return aside


def _in_memory_copy(path: Path) -> sqlite_utils.Database:
    """A memory database holding what can still be read from `path` (nothing if unreadable)."""
    target = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    try:
        # immutable: no locks and no -shm file, which a read-only folder would refuse
        source = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, timeout=5)
        try:
            source.backup(target)
        finally:
            source.close()
    except sqlite3.Error:
        target.close()
        target = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    return _configure(target)


def connect(path: Path | str) -> sqlite_utils.Database:
    """Open the store at `path`, healing it (see the module's docstring); never raises
    for a damaged or read-only file."""
    db, _ = _connect_checked(path)
    return db


def _connect_checked(path: Path | str, memory: bool = True) -> tuple[sqlite_utils.Database, bool]:
    """(database, is_the_file) - False when it fell back to memory (only if `memory`)."""
    if str(path) == ":memory:":
        return _raw(path), True
    file = Path(path)
    try:
        db = _raw(file)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the header
        return db, True
    except (sqlite3.DatabaseError, OSError) as exc:
        if is_corrupt(exc):
            aside = move_aside(file)
            log.warning(
                "codie store %s is damaged (%s): moved it aside to %s and started a new one", file, exc, aside.name
            )
            try:
                return _raw(file), True
            except (sqlite3.DatabaseError, OSError) as again:
                exc = again
        if memory and (is_read_only(exc) or is_corrupt(exc)):
            log.warning(
                "codie store %s cannot be written (%s): using an in-memory copy; "
                "nothing will be saved until it is writable",
                file,
                exc,
            )
            return _in_memory_copy(file), False
        raise exc


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction, taken up front (BEGIN IMMEDIATE): two processes writing the
    same tables wait for each other instead of interleaving statements."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrate(db: sqlite_utils.Database, component: str, steps: Sequence[Migration]) -> None:
    """Apply steps[version:] for `component`, each in its own transaction. The version is
    read inside the transaction, so two processes opening a new store do not both migrate."""
    while True:
        with transaction(db):
            row = db.execute("SELECT version FROM _migrations WHERE component = ?", [component]).fetchone()
            version = row[0] if row else 0
            if version >= len(steps):
                return
            steps[version](db)
            db.execute(
                "INSERT INTO _migrations (component, version) VALUES (?, ?) "
                "ON CONFLICT(component) DO UPDATE SET version = excluded.version",
                [component, version + 1],
            )


def open_store(
    path: Path | str, component: str, steps: Sequence[Migration], memory: bool = True
) -> sqlite_utils.Database:
    """The store with `component`'s tables up to date. A store found damaged while
    migrating is moved aside and rebuilt; one that cannot be written becomes a memory copy
    - unless `memory` is False (the job queue: work accepted into memory would be lost),
    then the error is raised."""
    db, on_file = _connect_checked(path, memory)
    try:
        migrate(db, component, steps)
        return db
    except sqlite3.DatabaseError as exc:
        db.conn.close()
        if not on_file or not (is_corrupt(exc) or (memory and is_read_only(exc))):
            raise
        if is_corrupt(exc):
            aside = move_aside(Path(path))
            log.warning(
                "codie store %s is damaged (%s): moved it aside to %s and started a new one", path, exc, aside.name
            )
            db, on_file = _connect_checked(path, memory)
        else:
            log.warning(
                "codie store %s cannot be written (%s): using an in-memory copy; "
                "nothing will be saved until it is writable",
                path,
                exc,
            )
            db = _in_memory_copy(Path(path))
        migrate(db, component, steps)
        return db
