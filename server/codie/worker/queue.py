"""A persistent job queue in the SQLite store (component "worker").

Jobs survive the death of the worker and of the server: a job left "running" by a worker
that stopped heart-beating is put back to "queued" after LEASE seconds (or at once by
`requeue_abandoned()` when a fresh worker starts). A job that reached "done", "failed" or
"cancelled" is never handed out again. `enqueue` with a key is idempotent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from codie.store import open_store

STATES = ("queued", "running", "done", "failed", "cancelled")
FINAL_STATES = frozenset({"done", "failed", "cancelled"})
LEASE = 30.0  # seconds without a heartbeat after which a running job is reclaimable
MAX_ATTEMPTS = 3  # a job that kills its worker this many times is failed, not retried


def _create_jobs(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE worker_jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            key TEXT UNIQUE,
            payload TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'queued',
            attempts INTEGER NOT NULL DEFAULT 0,
            result TEXT,
            error TEXT,
            progress REAL NOT NULL DEFAULT 0,
            message TEXT NOT NULL DEFAULT '',
            worker TEXT,
            created REAL NOT NULL,
            started REAL,
            heartbeat REAL,
            finished REAL
        )"""
    )
    db.execute("CREATE INDEX worker_jobs_state ON worker_jobs (state, id)")


MIGRATIONS = [_create_jobs]


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    key: str | None
    payload: dict[str, Any]
    state: str
    attempts: int = 0
    result: dict[str, Any] | None = None
    error: str | None = None
    progress: float = 0.0
    message: str = ""
    worker: str | None = None
    created: float = 0.0
    started: float | None = None
    heartbeat: float | None = None
    finished: float | None = None

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "key": self.key, "payload": self.payload,
            "state": self.state, "attempts": self.attempts, "result": self.result,
            "error": self.error, "progress": self.progress, "message": self.message,
            "worker": self.worker, "created": self.created, "started": self.started,
            "heartbeat": self.heartbeat, "finished": self.finished,
        }


_COLUMNS = ("id, kind, key, payload, state, attempts, result, error, progress, message, "
            "worker, created, started, heartbeat, finished")


def _row_to_job(row: Sequence[Any]) -> Job:
    (id_, kind, key, payload, state, attempts, result, error, progress, message, worker,
     created, started, heartbeat, finished) = row
    return Job(
        id=id_, kind=kind, key=key, payload=json.loads(payload), state=state,
        attempts=attempts, result=json.loads(result) if result is not None else None,
        error=error, progress=progress, message=message, worker=worker, created=created,
        started=started, heartbeat=heartbeat, finished=finished,
    )


class JobQueue:
    """Thread-safe; several processes may share the database (claims are atomic)."""

    def __init__(self, path: Path | str, lease: float = LEASE,
                 max_attempts: int = MAX_ATTEMPTS) -> None:
        self.path = path
        self.lease = lease
        self.max_attempts = max_attempts
        self.db = open_store(path, "worker", MIGRATIONS)
        self._lock = threading.RLock()

    # producing ----------------------------------------------------------------------------
    def enqueue(self, kind: str, payload: dict[str, Any], key: str | None = None) -> int:
        """Add a job; with a key already known, return that job's id instead."""
        text = json.dumps(payload, sort_keys=True, default=str)
        with self._lock:
            cur = self.db.execute(
                "INSERT INTO worker_jobs (kind, key, payload, created) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(key) DO NOTHING",
                [kind, key, text, time.time()],
            )
            if cur.rowcount == 1 and cur.lastrowid is not None:
                return int(cur.lastrowid)
            row = self.db.execute("SELECT id FROM worker_jobs WHERE key = ?", [key]).fetchone()
            return int(row[0])

    # consuming ----------------------------------------------------------------------------
    def claim(self, worker_id: str, kinds: Sequence[str] | None = None) -> Job | None:
        """Atomically take the oldest queued job (of `kinds`), or None."""
        now = time.time()
        with self._lock:
            conn = self.db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._requeue_stale(now)
                sql = f"SELECT {_COLUMNS} FROM worker_jobs WHERE state = 'queued'"
                args: list[Any] = []
                if kinds is not None:
                    if not kinds:
                        conn.execute("COMMIT")
                        return None
                    sql += f" AND kind IN ({', '.join('?' for _ in kinds)})"
                    args.extend(kinds)
                row = conn.execute(sql + " ORDER BY id LIMIT 1", args).fetchone()
                if row is None:
                    conn.execute("COMMIT")
                    return None
                conn.execute(
                    "UPDATE worker_jobs SET state = 'running', worker = ?, started = ?, "
                    "heartbeat = ?, attempts = attempts + 1, progress = 0, message = '' "
                    "WHERE id = ?",
                    [worker_id, now, now, row[0]],
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return self.get(int(row[0]))

    def _requeue_stale(self, now: float) -> None:
        """Running jobs whose worker stopped heart-beating go back to the queue (or fail)."""
        conn = self.db.conn
        cutoff = now - self.lease
        conn.execute(
            "UPDATE worker_jobs SET state = 'failed', finished = ?, "
            "error = 'abandoned ' || attempts || ' times by a dying worker' "
            "WHERE state = 'running' AND heartbeat < ? AND attempts >= ?",
            [now, cutoff, self.max_attempts],
        )
        conn.execute(
            "UPDATE worker_jobs SET state = 'queued', worker = NULL "
            "WHERE state = 'running' AND heartbeat < ?",
            [cutoff],
        )

    def requeue_abandoned(self, worker_ids: Sequence[str] | None = None) -> int:
        """Put back jobs held by workers known to be dead (all running ones when None)."""
        with self._lock:
            sql = "UPDATE worker_jobs SET state = 'queued', worker = NULL WHERE state = 'running'"
            args: list[Any] = []
            if worker_ids is not None:
                if not worker_ids:
                    return 0
                sql += f" AND worker IN ({', '.join('?' for _ in worker_ids)})"
                args.extend(worker_ids)
            return int(self.db.execute(sql, args).rowcount)

    def heartbeat(self, job_id: int) -> None:
        with self._lock:
            self.db.execute(
                "UPDATE worker_jobs SET heartbeat = ? WHERE id = ? AND state = 'running'",
                [time.time(), job_id],
            )

    def progress(self, job_id: int, fraction: float, message: str = "") -> None:
        fraction = min(1.0, max(0.0, float(fraction)))
        with self._lock:
            self.db.execute(
                "UPDATE worker_jobs SET progress = ?, message = ?, heartbeat = ? "
                "WHERE id = ? AND state = 'running'",
                [fraction, message, time.time(), job_id],
            )

    def complete(self, job_id: int, result: dict[str, Any]) -> bool:
        """Record success; False when the job was no longer running (e.g. cancelled)."""
        text = json.dumps(result, default=str)
        with self._lock:
            cur = self.db.execute(
                "UPDATE worker_jobs SET state = 'done', result = ?, progress = 1, finished = ? "
                "WHERE id = ? AND state = 'running'",
                [text, time.time(), job_id],
            )
            return cur.rowcount == 1

    def fail(self, job_id: int, error: str) -> bool:
        with self._lock:
            cur = self.db.execute(
                "UPDATE worker_jobs SET state = 'failed', error = ?, finished = ? "
                "WHERE id = ? AND state = 'running'",
                [error, time.time(), job_id],
            )
            return cur.rowcount == 1

    def cancel(self, job_id: int) -> bool:
        """Cancel a queued or running job; a running handler sees it via is_cancelled()."""
        with self._lock:
            cur = self.db.execute(
                "UPDATE worker_jobs SET state = 'cancelled', finished = ? "
                "WHERE id = ? AND state IN ('queued', 'running')",
                [time.time(), job_id],
            )
            return cur.rowcount == 1

    def is_cancelled(self, job_id: int) -> bool:
        with self._lock:
            row = self.db.execute(
                "SELECT state FROM worker_jobs WHERE id = ?", [job_id]
            ).fetchone()
        return row is None or row[0] == "cancelled"

    # reading ------------------------------------------------------------------------------
    def get(self, job_id: int) -> Job:
        """The job; KeyError when there is no such id."""
        with self._lock:
            row = self.db.execute(
                f"SELECT {_COLUMNS} FROM worker_jobs WHERE id = ?", [job_id]
            ).fetchone()
        if row is None:
            raise KeyError(job_id)
        return _row_to_job(row)

    def list(self, state: str | None = None) -> list[Job]:
        sql = f"SELECT {_COLUMNS} FROM worker_jobs"
        args: list[Any] = []
        if state is not None:
            if state not in STATES:
                raise ValueError(f"unknown state {state!r}; expected one of {', '.join(STATES)}")
            sql += " WHERE state = ?"
            args.append(state)
        with self._lock:
            rows = self.db.execute(sql + " ORDER BY id", args).fetchall()
        return [_row_to_job(r) for r in rows]

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()
