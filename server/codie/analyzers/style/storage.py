"""The style model in SQLite (component "style" of codie.store).

Tables:
- style_files: per file, its tokens, the names it binds and its convention counts
  (msgpack), so that a changed file's old contribution can be subtracted exactly;
- style_grams: the n-gram counts of the whole workspace, updated by deltas;
- style_meta: learned margins and bookkeeping.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgpack

from codie import store
from codie.analyzers.style.model import FileEntry, WorkspaceModel
from codie.analyzers.style.ngram import Gram, grams, order_of, pack, unpack
from codie.analyzers.style.tokens import SEP
from codie.core.pausing import Pause, every

if TYPE_CHECKING:  # imported where used: sqlite-utils costs ~40 ms at start-up
    import sqlite_utils

COMPONENT = "style"
LOAD_CHUNK = 20_000  # n-gram rows read and applied at a time


def _v1(db: sqlite_utils.Database) -> None:
    db.execute(
        "CREATE TABLE style_files (path TEXT PRIMARY KEY, digest TEXT NOT NULL,"
        " tokens BLOB NOT NULL, names BLOB NOT NULL, stats BLOB NOT NULL)"
    )
    db.execute(
        "CREATE TABLE style_grams (gram TEXT PRIMARY KEY, n INTEGER NOT NULL, count INTEGER NOT NULL) WITHOUT ROWID"
    )
    db.execute("CREATE TABLE style_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


MIGRATIONS = [_v1]


def open_db(path: Path | str) -> sqlite_utils.Database:
    return store.open_store(path, COMPONENT, MIGRATIONS)


def digest_of(path: str, db: sqlite_utils.Database) -> str | None:
    row = db.execute("SELECT digest FROM style_files WHERE path = ?", [path]).fetchone()
    return str(row[0]) if row else None


PAUSE_EVERY = 256  # rows between two pause() calls in write_all (~1 ms with their inserts)


def _gram_rows(
    words: list[str], delta: Iterable[tuple[Gram, int]], pause: Pause | None = None
) -> Iterator[tuple[str, int, int]]:
    """The store's rows of packed n-grams: their words joined by SEP, one at a time;
    `pause()` every PAUSE_EVERY n-grams (a background training's, see pausing.Pause)."""
    for g, c in every(delta, pause, PAUSE_EVERY):
        if g > 1 and c:  # 1: the empty n-gram (a token count)
            yield SEP.join([words[i] for i in unpack(g)]), order_of(g), c


def write_file(
    db: sqlite_utils.Database,
    model: WorkspaceModel,
    path: str,
    digest: str,
    old: Counter[Gram] | None,
    new: Counter[Gram] | None,
) -> None:
    """Persist one file's replacement: its row and the change in the n-gram counts."""
    delta: Counter[Gram] = Counter(new or {})
    if old:
        delta.subtract(old)
    rows = list(_gram_rows(model.lm.vocab.words, delta.items()))
    entry = model.files.get(path)
    with store.transaction(db):  # concurrent trainings wait, never interleave
        if entry is None:
            db.execute("DELETE FROM style_files WHERE path = ?", [path])
        else:
            db.execute(
                "INSERT OR REPLACE INTO style_files VALUES (?, ?, ?, ?, ?)",
                [
                    path,
                    digest,
                    _pack_tokens(model, entry),
                    msgpack.packb(entry.names),
                    msgpack.packb({k: dict(v) for k, v in entry.stats.items()}),
                ],
            )
        db.conn.executemany(
            "INSERT INTO style_grams (gram, n, count) VALUES (?, ?, ?) ON CONFLICT(gram)"
            " DO UPDATE SET count = count + excluded.count",
            rows,
        )
        gone = [(r[0],) for r in rows if r[2] < 0]
        db.conn.executemany("DELETE FROM style_grams WHERE gram = ? AND count <= 0", gone)


def write_all(
    db: sqlite_utils.Database,
    model: WorkspaceModel,
    digests: dict[str, str],
    pause: Pause | None = None,
) -> None:
    """Replace the whole stored model with `model` (after a full training); `pause()`:
    see _gram_rows (it waits inside the transaction: nothing else writes the workspace's
    style tables meanwhile, a concurrent writer waits as it would for the inserts)."""
    words = model.lm.vocab.words
    with store.transaction(db):
        db.execute("DELETE FROM style_files")
        db.execute("DELETE FROM style_grams")
        db.conn.executemany(
            "INSERT INTO style_files VALUES (?, ?, ?, ?, ?)",
            (
                (
                    path,
                    digests.get(path, ""),
                    _pack_tokens(model, e),
                    msgpack.packb(e.names),
                    msgpack.packb({k: dict(v) for k, v in e.stats.items()}),
                )
                for path, e in every(model.files.items(), pause, 1)  # (a file's tokens each)
            ),
        )
        db.conn.executemany(
            "INSERT INTO style_grams (gram, n, count) VALUES (?, ?, ?)",
            _gram_rows(words, model.lm.counts.items(), pause),
        )
        write_meta(db, model)


def write_meta(db: sqlite_utils.Database, model: WorkspaceModel) -> None:
    db.execute("INSERT OR REPLACE INTO style_meta VALUES ('margins', ?)", [json.dumps(model.margins)])


def _pack_tokens(model: WorkspaceModel, entry: FileEntry) -> bytes:
    words = model.lm.vocab.words
    return bytes(msgpack.packb([words[i] for i in entry.ids]))


def load(db: sqlite_utils.Database, root: Path | None = None) -> WorkspaceModel:
    """The stored model; n-gram counts come from style_grams, files from style_files."""
    model = WorkspaceModel(root)
    vocab = model.lm.vocab
    for path, _digest, tokens, names, stats in db.execute("SELECT path, digest, tokens, names, stats FROM style_files"):
        ids = vocab.encode(msgpack.unpackb(tokens))
        entry = FileEntry(
            ids,
            [(str(g), str(n)) for g, n in msgpack.unpackb(names)],
            {k: Counter(v) for k, v in _unpack_dict(stats).items()},
        )
        model.files[path] = entry
        model.lm.name_ids.update(vocab.name_ids_in(ids))
        for group, name in entry.names:
            model.kind_names.setdefault(group, Counter())[name] += 1
        for key, counts in entry.stats.items():
            model.stats.setdefault(key, Counter()).update(counts)
    # applied in chunks, in the store's order: the counts never sit in memory twice
    found = False
    rows = db.execute("SELECT gram, count FROM style_grams")
    while chunk := rows.fetchmany(LOAD_CHUNK):
        found = True
        model.lm.apply({pack(vocab.encode(gram.split(SEP))): int(count) for gram, count in chunk})
    if not found and model.files:  # grams lost or never written: recount from the files
        for entry in model.files.values():
            model.lm.apply(grams(entry.ids, model.lm.order))
    row = db.execute("SELECT value FROM style_meta WHERE key = 'margins'").fetchone()
    if row:
        model.margins.update({str(k): float(v) for k, v in json.loads(row[0]).items()})
    return model


def _unpack_dict(blob: bytes) -> dict[str, Any]:
    data = msgpack.unpackb(blob)
    return data if isinstance(data, dict) else {}
