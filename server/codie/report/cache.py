"""The headless result cache: one file's report results, under a key of all they depend on.

`codie check` (codie/headless.py) computes, per file, a key from the file's bytes, its
path, the rule catalogue, the settings, Codie's version and every cross-file input
(services, manifests, the baseline); this module only stores and returns what the
pipeline produced under that key. It lives outside the user's repository, in the
platform's cache folder (one SQLite file per project, `CODIE_CACHE_DIR` overrides), so a
check never writes into the checked tree.

Entries are msgpack of the report dataclasses, decoded through a closed list of types
(never pickle: a cache file is not trusted to run code). Anything unexpected while
reading - a damaged database, an entry of another format, a type that is not on the
list - is a miss: the file is analysed again and its entry rewritten, never a crash.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

import msgpack
import sqlite_utils

from codie.core.cachedir import user_cache_dir
from codie.core.findings import Category, Finding, Fix, Location, Severity, TextEdit
from codie.report.model import Located, Place
from codie.store import open_store

log = logging.getLogger(__name__)
FORMAT = 1  # bump when the encoding below changes: older entries then never match
COMPONENT = "checkcache"
KEEP_EXTRA = 2.0  # entries kept beyond this run's files (other branches, older configs)
KEEP_MIN = 5_000

# the closed list of types an entry may hold (tag -> type); tags are never reused
_DATACLASSES: dict[int, type[Any]] = {1: Located, 2: Place, 3: Finding, 4: Fix, 5: TextEdit, 6: Location}
_ENUMS: dict[int, type[Enum]] = {20: Severity, 21: Category}
_TUPLE = 30
_TAG_OF = {cls: tag for tag, cls in (*_DATACLASSES.items(), *_ENUMS.items())}


@dataclasses.dataclass(frozen=True)
class Entry:
    """What one file contributed to a run (see headless.check_one)."""

    results: list[Located]
    unchanged: int = 0


class CacheFormatError(ValueError):
    pass


def project_db(root: Path) -> Path:
    """The cache database of the project at `root`: named after it, keyed by its path."""
    resolved = root.resolve()
    digest = hashlib.blake2b(str(resolved).encode(), digest_size=8).hexdigest()
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in resolved.name)[:40] or "root"
    return user_cache_dir() / "check" / f"{name}-{digest}.db"


def digest(*parts: bytes | str) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))  # length-prefixed: parts never run together
        h.update(data)
    return h.hexdigest()


SOURCE_SUFFIXES = frozenset({".py", ".pyi", ".ipynb"})
PRUNED = frozenset({"__pycache__", "node_modules"})


def tree_signature(root: Path, extra: Iterable[Path] = ()) -> str:
    """What a file's findings may read besides itself, as stat data (path, size, mtime):
    every source file under `root` (modules that cross-module taint follows, the call
    graph and the style model read), every file directly in `root` and `root`/requirements
    (manifests, configuration) and `extra` (data files outside the project). Hidden
    folders (.git, .venv, .codie) are not importable module paths and are skipped."""
    rows: list[str] = []

    def add(path: Path) -> None:
        try:
            st = path.stat()
        except OSError:
            rows.append(f"{path}\0-")
            return
        rows.append(f"{path}\0{st.st_size}\0{st.st_mtime_ns}")

    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in PRUNED)
        here = Path(folder)
        top = here == root or here == root / "requirements"
        for name in sorted(files):
            if top or os.path.splitext(name)[1] in SOURCE_SUFFIXES:
                add(here / name)
    for path in extra:
        add(path)
    return digest(*rows)


def code_signature() -> str:
    """Codie's own code and data (stat), so that an edited or upgraded install - also one
    that keeps its version number, as an editable one does - never reads older results."""
    global _code
    if _code is None:
        package = Path(__file__).resolve().parents[1]
        rows = []
        # followlinks: the rule catalogue (_shared) is a link in a source checkout
        for folder, dirs, files in os.walk(package, followlinks=True):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
            for name in sorted(files):
                try:
                    st = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                rows.append(f"{os.path.relpath(os.path.join(folder, name), package)}\0{st.st_size}\0{st.st_mtime_ns}")
        _code = digest(*rows)
    return _code


_code: str | None = None


# encoding ------------------------------------------------------------------------------------
def _default(obj: object) -> msgpack.ExtType:
    if isinstance(obj, tuple):
        return msgpack.ExtType(_TUPLE, _pack(list(obj)))
    tag = _TAG_OF.get(type(obj))
    if tag is None:
        raise TypeError(f"not cacheable: {type(obj).__name__}")
    if isinstance(obj, Enum):
        return msgpack.ExtType(tag, _pack(obj.value))
    values = [getattr(obj, f.name) for f in dataclasses.fields(obj)]  # type: ignore[arg-type]
    return msgpack.ExtType(tag, _pack(values))


def _pack(obj: object) -> bytes:
    # strict types: tuples and enums (str subclasses) go through _default, so they come back
    # as what they were and a warm report is byte-identical to a cold one
    return msgpack.packb(obj, default=_default, strict_types=True, use_bin_type=True)  # type: ignore[no-any-return]


def _ext(code: int, data: bytes) -> object:
    value = _unpack(data)
    if code == _TUPLE:
        if not isinstance(value, list):
            raise CacheFormatError("tuple")
        return tuple(value)
    if code in _ENUMS:
        return _ENUMS[code](value)
    cls = _DATACLASSES.get(code)
    if cls is None or not isinstance(value, list):
        raise CacheFormatError(f"unknown type {code}")
    return cls(*value)


def _unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, ext_hook=_ext, raw=False, strict_map_key=False)


def encode(entry: Entry) -> bytes:
    return _pack([FORMAT, entry.results, entry.unchanged])


def decode(blob: bytes) -> Entry:
    """The entry, or CacheFormatError (or another ValueError/TypeError) when it is not one."""
    value = _unpack(blob)
    if not isinstance(value, list) or len(value) != 3 or value[0] != FORMAT:
        raise CacheFormatError("not an entry of this format")
    results, unchanged = value[1], value[2]
    if not isinstance(results, list) or not all(isinstance(r, Located) for r in results):
        raise CacheFormatError("results")
    if not isinstance(unchanged, int):
        raise CacheFormatError("unchanged")
    return Entry(results, unchanged)


# the store -----------------------------------------------------------------------------------
def _migration_1(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE checkcache_results (key TEXT PRIMARY KEY, used REAL, entry BLOB)")
    db.execute("CREATE INDEX checkcache_results_used ON checkcache_results (used)")


MIGRATIONS = [_migration_1]


class ResultCache:
    """One project's cache. Every method swallows storage errors: a cache that cannot be
    read is empty, one that cannot be written keeps nothing (and says so once)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db: sqlite_utils.Database | None = None
        try:
            self.db = open_store(path, COMPONENT, MIGRATIONS)
        except (sqlite3.Error, OSError) as exc:
            log.warning("result cache %s not used: %s", path, exc)

    def get_many(self, keys: Iterable[str]) -> dict[str, Entry]:
        """The entries found for `keys` (those missing or unreadable are left out)."""
        found: dict[str, Entry] = {}
        if self.db is None:
            return found
        wanted = list(dict.fromkeys(keys))
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self.db.execute(f"SELECT key, entry FROM checkcache_results WHERE key IN ({marks})", chunk)
                for key, blob in rows.fetchall():
                    try:
                        found[key] = decode(bytes(blob))
                    except Exception as exc:  # a damaged entry: a miss, rewritten by this run
                        log.info("result cache: entry %s unreadable (%s); re-analysing", key[:12], exc)
        except sqlite3.Error as exc:
            log.warning("result cache %s unreadable (%s); analysing every file", self.path, exc)
            return {}
        return found

    def put_many(self, entries: Mapping[str, Entry], used: Iterable[str] = ()) -> None:
        """Store `entries`, mark `used` (the hits) as recently used, then drop the oldest."""
        if self.db is None:
            return
        used = list(used)
        now = time.time()
        rows = []
        for key, entry in entries.items():
            try:
                rows.append((key, now, encode(entry)))
            except (TypeError, ValueError) as exc:  # e.g. a rule's data holds a set: not cached
                log.info("result cache: not storing %s (%s)", key[:12], exc)
        try:
            conn = self.db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("INSERT OR REPLACE INTO checkcache_results (key, used, entry) VALUES (?, ?, ?)", rows)
                conn.executemany("UPDATE checkcache_results SET used = ? WHERE key = ?", [(now, k) for k in used])
                keep = max(KEEP_MIN, int((len(rows) + len(used)) * (1 + KEEP_EXTRA)))
                conn.execute(
                    "DELETE FROM checkcache_results WHERE key IN (SELECT key FROM checkcache_results "
                    "ORDER BY used DESC LIMIT -1 OFFSET ?)",
                    [keep],
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            log.warning("result cache %s not written: %s", self.path, exc)

    def close(self) -> None:
        if self.db is not None:
            self.db.conn.close()
            self.db = None
