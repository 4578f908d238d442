"""The persistent job queue: one interface, two stores (component "worker").

`codie.worker.queues.open_queue(location)` picks the store: a `postgresql://` URL gives `PostgresQueue`
(worker/pgqueue.py: any number of workers on any number of hosts, rows claimed with
FOR UPDATE SKIP LOCKED); anything else is a path to the embedded SQLite store (`JobQueue`).

Both keep the same promises:
- a claimed job carries a lease; its worker renews it (heartbeat) while it runs. Only a
  job whose lease ran out is put back to "queued" - a restarted webhook or worker never
  takes a job from a live worker. A job abandoned `max_attempts` times is failed.
- a job that reached "done", "failed" or "cancelled" is never handed out again; `enqueue`
  with a key is idempotent; a delivery id is recorded once (`record_delivery`).
- effects (what a job posted to the outside world) are recorded per job key
  (`effect`/`begin_effect`/`finish_effect`), so a job re-run after a crash does not post twice.
"""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codie.store import migrate, open_store, transaction

if TYPE_CHECKING:  # imported where used: sqlite-utils costs ~40 ms at start-up
    import sqlite_utils

STATES = ("queued", "running", "done", "failed", "cancelled")
FINAL_STATES = frozenset({"done", "failed", "cancelled"})
LEASE = 30.0  # seconds a claim lasts without a heartbeat; the holder renews it every LEASE/3
MAX_ATTEMPTS = 3  # a job that kills its worker this many times is failed, not retried
# job latency (enqueued -> finished) histogram buckets, seconds
LATENCY_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class QueueError(Exception):
    """The queue's store cannot be opened or used (a clear message, no traceback)."""


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


def _leases_and_effects(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE worker_jobs ADD COLUMN lease_until REAL")
    db.execute(f"UPDATE worker_jobs SET lease_until = heartbeat + {LEASE} WHERE state = 'running'")
    db.execute(
        "CREATE TABLE worker_effects (scope TEXT NOT NULL, name TEXT NOT NULL, "
        "state TEXT NOT NULL, result TEXT, updated REAL NOT NULL, PRIMARY KEY (scope, name))"
    )


MIGRATIONS = [_create_jobs, _leases_and_effects]


def _deliveries_table(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE webhook_deliveries (delivery TEXT PRIMARY KEY, event TEXT, received REAL, job INTEGER)")


DELIVERY_MIGRATIONS = [_deliveries_table]  # component "webhook" (the table predates the queue)


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
    lease_until: float | None = None

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def scope(self) -> str:
        """What effects are recorded under: the job's key (delivery / head SHA), else its id."""
        return self.key or f"job:{self.id}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "key": self.key,
            "payload": self.payload,
            "state": self.state,
            "attempts": self.attempts,
            "result": self.result,
            "error": self.error,
            "progress": self.progress,
            "message": self.message,
            "worker": self.worker,
            "created": self.created,
            "started": self.started,
            "heartbeat": self.heartbeat,
            "finished": self.finished,
            "lease_until": self.lease_until,
        }


@dataclass(frozen=True)
class Effect:
    state: str  # "pending" (being posted) or "done"
    result: dict[str, Any] | None


@dataclass
class QueueStats:
    """For /metrics: jobs per state and the latency of finished jobs."""

    states: dict[str, int] = field(default_factory=dict)
    buckets: list[tuple[float, int]] = field(default_factory=list)  # cumulative counts
    latency_sum: float = 0.0
    latency_count: int = 0


COLUMNS = (
    "id, kind, key, payload, state, attempts, result, error, progress, message, "
    "worker, created, started, heartbeat, finished, lease_until"
)


def row_to_job(row: Sequence[Any]) -> Job:
    (
        id_,
        kind,
        key,
        payload,
        state,
        attempts,
        result,
        error,
        progress,
        message,
        worker,
        created,
        started,
        heartbeat,
        finished,
        lease_until,
    ) = row
    return Job(
        id=int(id_),
        kind=kind,
        key=key,
        payload=json.loads(payload),
        state=state,
        attempts=attempts,
        result=json.loads(result) if result is not None else None,
        error=error,
        progress=progress,
        message=message,
        worker=worker,
        created=created,
        started=started,
        heartbeat=heartbeat,
        finished=finished,
        lease_until=lease_until,
    )


class Reads:
    """The reading statements (get, list, stats) of both stores, as (sql, args): the same
    SQL, only the parameter placeholder differs (SQLite's `?`, psycopg's `%s`)."""

    def __init__(self, placeholder: str) -> None:
        self.mark = placeholder

    def job(self, job_id: int) -> tuple[str, list[Any]]:
        return f"SELECT {COLUMNS} FROM worker_jobs WHERE id = {self.mark}", [job_id]

    def jobs(self, state: str | None = None) -> tuple[str, list[Any]]:
        """All jobs, or those in `state` (ValueError for an unknown state), oldest first."""
        check_state(state)
        if state is None:
            return f"SELECT {COLUMNS} FROM worker_jobs ORDER BY id", []
        return f"SELECT {COLUMNS} FROM worker_jobs WHERE state = {self.mark} ORDER BY id", [state]

    def stats(self, buckets: Sequence[float]) -> tuple[str, str]:
        """Jobs per state, then latency_sql; read both, then call stats_from."""
        return "SELECT state, COUNT(*) FROM worker_jobs GROUP BY state", latency_sql(buckets)


def latency_sql(buckets: Sequence[float]) -> str:
    """One pass over the finished jobs: cumulative bucket counts, sum and count."""
    parts = [f"SUM(CASE WHEN finished - created <= {float(b)!r} THEN 1 ELSE 0 END)" for b in buckets]
    parts += ["SUM(finished - created)", "COUNT(*)"]
    return f"SELECT {', '.join(parts)} FROM worker_jobs WHERE state IN ('done', 'failed') AND finished IS NOT NULL"


def stats_from(states: Sequence[Sequence[Any]], row: Sequence[Any] | None, buckets: Sequence[float]) -> QueueStats:
    row = row or [None] * (len(buckets) + 2)
    return QueueStats(
        states={s: 0 for s in STATES} | {str(s): int(n) for s, n in states},
        buckets=[(b, int(row[i] or 0)) for i, b in enumerate(buckets)],
        latency_sum=float(row[len(buckets)] or 0.0),
        latency_count=int(row[len(buckets) + 1] or 0),
    )


class Queue(ABC):
    """What workers, the webhook and the LSP server's worker client need from a queue."""

    lease: float
    max_attempts: int
    location: str

    # producing ----------------------------------------------------------------------------
    @abstractmethod
    def enqueue(self, kind: str, payload: dict[str, Any], key: str | None = None) -> int:
        """Add a job; with a key already known, return that job's id instead."""

    @abstractmethod
    def record_delivery(
        self, delivery: str, event: str, job: tuple[str, dict[str, Any], str | None] | None
    ) -> int | None:
        """Remember a webhook delivery and enqueue its job (kind, payload, key) in one
        transaction: the job id (0 without a job), or None when the delivery was seen."""

    # consuming ----------------------------------------------------------------------------
    @abstractmethod
    def claim(self, worker_id: str, kinds: Sequence[str] | None = None) -> Job | None:
        """Atomically take the oldest queued job (of `kinds`) with a fresh lease, or None."""

    @abstractmethod
    def heartbeat(self, job_id: int, worker: str | None = None) -> bool:
        """Renew the lease; False when `worker` no longer holds the job (do not finish it)."""

    @abstractmethod
    def progress(self, job_id: int, fraction: float, message: str = "") -> None: ...

    @abstractmethod
    def complete(self, job_id: int, result: dict[str, Any], worker: str | None = None) -> bool:
        """Record success; False when the job was no longer running (or not `worker`'s)."""

    @abstractmethod
    def fail(self, job_id: int, error: str, worker: str | None = None) -> bool: ...

    @abstractmethod
    def cancel(self, job_id: int) -> bool:
        """Cancel a queued or running job; a running handler sees it via is_cancelled()."""

    @abstractmethod
    def is_cancelled(self, job_id: int) -> bool: ...

    @abstractmethod
    def requeue_expired(self) -> int:
        """Running jobs whose lease ran out go back to the queue (or fail after
        max_attempts); returns how many were put back or failed."""

    @abstractmethod
    def requeue_abandoned(self, worker_ids: Sequence[str]) -> int:
        """Put back at once the jobs of workers known to be dead (same host, pid gone)."""

    # effects ------------------------------------------------------------------------------
    @abstractmethod
    def effect(self, scope: str, name: str) -> Effect | None: ...

    @abstractmethod
    def begin_effect(self, scope: str, name: str) -> None:
        """Note that `name` is about to be posted (a crash now leaves it "pending")."""

    @abstractmethod
    def finish_effect(self, scope: str, name: str, result: dict[str, Any]) -> None: ...

    # reading ------------------------------------------------------------------------------
    @abstractmethod
    def get(self, job_id: int) -> Job:
        """The job; KeyError when there is no such id."""

    @abstractmethod
    def list(self, state: str | None = None) -> list[Job]: ...

    @abstractmethod
    def stats(self, buckets: Sequence[float] = LATENCY_BUCKETS) -> QueueStats: ...

    @abstractmethod
    def close(self) -> None: ...


def check_state(state: str | None) -> None:
    if state is not None and state not in STATES:
        raise ValueError(f"unknown state {state!r}; expected one of {', '.join(STATES)}")


SQLITE_READS = Reads("?")


class JobQueue(Queue):
    """The embedded store: SQLite. Thread-safe; processes on one host may share the file
    (claims take the write lock up front, BEGIN IMMEDIATE)."""

    def __init__(self, path: Path | str, lease: float = LEASE, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.path = path
        self.location = str(path)
        self.lease = lease
        self.max_attempts = max_attempts
        # never an in-memory stand-in: deliveries accepted there would be lost
        self.db = open_store(path, "worker", MIGRATIONS, memory=False)
        migrate(self.db, "webhook", DELIVERY_MIGRATIONS)
        self._lock = threading.RLock()

    # producing ----------------------------------------------------------------------------
    def _insert(self, kind: str, payload: dict[str, Any], key: str | None) -> int:
        cur = self.db.execute(
            "INSERT INTO worker_jobs (kind, key, payload, created) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
            [kind, key, json.dumps(payload, sort_keys=True, default=str), time.time()],
        )
        if cur.rowcount == 1 and cur.lastrowid is not None:
            return int(cur.lastrowid)
        row = self.db.execute("SELECT id FROM worker_jobs WHERE key = ?", [key]).fetchone()
        return int(row[0])

    def enqueue(self, kind: str, payload: dict[str, Any], key: str | None = None) -> int:
        with self._lock:
            return self._insert(kind, payload, key)

    def record_delivery(
        self, delivery: str, event: str, job: tuple[str, dict[str, Any], str | None] | None
    ) -> int | None:
        with self._lock, transaction(self.db):
            cur = self.db.execute(
                "INSERT INTO webhook_deliveries (delivery, event, received) VALUES (?, ?, ?) "
                "ON CONFLICT(delivery) DO NOTHING",
                [delivery, event, time.time()],
            )
            if cur.rowcount != 1:
                return None
            if job is None:
                return 0
            job_id = self._insert(*job)
            self.db.execute("UPDATE webhook_deliveries SET job = ? WHERE delivery = ?", [job_id, delivery])
            return job_id

    # consuming ----------------------------------------------------------------------------
    def claim(self, worker_id: str, kinds: Sequence[str] | None = None) -> Job | None:
        if kinds is not None and not kinds:
            return None
        with self._lock, transaction(self.db):
            now = time.time()
            self._requeue_expired(now)
            sql = f"SELECT {COLUMNS} FROM worker_jobs WHERE state = 'queued'"
            args: list[Any] = []
            if kinds is not None:
                sql += f" AND kind IN ({', '.join('?' for _ in kinds)})"
                args.extend(kinds)
            row = self.db.execute(sql + " ORDER BY id LIMIT 1", args).fetchone()
            if row is None:
                return None
            self.db.execute(
                "UPDATE worker_jobs SET state = 'running', worker = ?, started = ?, "
                "heartbeat = ?, lease_until = ?, attempts = attempts + 1, progress = 0, "
                "message = '' WHERE id = ?",
                [worker_id, now, now, now + self.lease, row[0]],
            )
        return self.get(int(row[0]))

    def _requeue_expired(self, now: float) -> int:
        failed = self.db.execute(
            "UPDATE worker_jobs SET state = 'failed', finished = ?, "
            "error = 'abandoned ' || attempts || ' times by a dying worker' "
            "WHERE state = 'running' AND lease_until <= ? AND attempts >= ?",
            [now, now, self.max_attempts],
        ).rowcount
        queued = self.db.execute(
            "UPDATE worker_jobs SET state = 'queued', worker = NULL, lease_until = NULL "
            "WHERE state = 'running' AND lease_until <= ?",
            [now],
        ).rowcount
        return int(failed) + int(queued)

    def requeue_expired(self) -> int:
        with self._lock, transaction(self.db):
            return self._requeue_expired(time.time())

    def requeue_abandoned(self, worker_ids: Sequence[str]) -> int:
        if not worker_ids:
            return 0
        with self._lock:
            return int(
                self.db.execute(
                    "UPDATE worker_jobs SET state = 'queued', worker = NULL, lease_until = NULL "
                    f"WHERE state = 'running' AND worker IN ({', '.join('?' for _ in worker_ids)})",
                    list(worker_ids),
                ).rowcount
            )

    def heartbeat(self, job_id: int, worker: str | None = None) -> bool:
        now = time.time()
        with self._lock:
            return bool(
                self.db.execute(
                    "UPDATE worker_jobs SET heartbeat = ?, lease_until = ? "
                    "WHERE id = ? AND state = 'running' AND (? IS NULL OR worker = ?)",
                    [now, now + self.lease, job_id, worker, worker],
                ).rowcount
                == 1
            )

    def progress(self, job_id: int, fraction: float, message: str = "") -> None:
        fraction = min(1.0, max(0.0, float(fraction)))
        now = time.time()
        with self._lock:
            self.db.execute(
                "UPDATE worker_jobs SET progress = ?, message = ?, heartbeat = ?, "
                "lease_until = ? WHERE id = ? AND state = 'running'",
                [fraction, message, now, now + self.lease, job_id],
            )

    def _finish(self, job_id: int, worker: str | None, sets: str, args: list[Any]) -> bool:
        with self._lock:
            cur = self.db.execute(
                f"UPDATE worker_jobs SET {sets}, finished = ?, lease_until = NULL "
                "WHERE id = ? AND state = 'running' AND (? IS NULL OR worker = ?)",
                [*args, time.time(), job_id, worker, worker],
            )
            return cur.rowcount == 1

    def complete(self, job_id: int, result: dict[str, Any], worker: str | None = None) -> bool:
        return self._finish(
            job_id, worker, "state = 'done', result = ?, progress = 1", [json.dumps(result, default=str)]
        )

    def fail(self, job_id: int, error: str, worker: str | None = None) -> bool:
        return self._finish(job_id, worker, "state = 'failed', error = ?", [error])

    def cancel(self, job_id: int) -> bool:
        with self._lock:
            cur = self.db.execute(
                "UPDATE worker_jobs SET state = 'cancelled', finished = ?, lease_until = NULL "
                "WHERE id = ? AND state IN ('queued', 'running')",
                [time.time(), job_id],
            )
            return cur.rowcount == 1

    def is_cancelled(self, job_id: int) -> bool:
        with self._lock:
            row = self.db.execute("SELECT state FROM worker_jobs WHERE id = ?", [job_id]).fetchone()
        return row is None or row[0] == "cancelled"

    # effects ------------------------------------------------------------------------------
    def effect(self, scope: str, name: str) -> Effect | None:
        with self._lock:
            row = self.db.execute(
                "SELECT state, result FROM worker_effects WHERE scope = ? AND name = ?", [scope, name]
            ).fetchone()
        if row is None:
            return None
        return Effect(row[0], json.loads(row[1]) if row[1] is not None else None)

    def begin_effect(self, scope: str, name: str) -> None:
        with self._lock:
            self.db.execute(
                "INSERT INTO worker_effects (scope, name, state, updated) "
                "VALUES (?, ?, 'pending', ?) ON CONFLICT(scope, name) DO NOTHING",
                [scope, name, time.time()],
            )

    def finish_effect(self, scope: str, name: str, result: dict[str, Any]) -> None:
        with self._lock:
            self.db.execute(
                "INSERT INTO worker_effects (scope, name, state, result, updated) "
                "VALUES (?, ?, 'done', ?, ?) ON CONFLICT(scope, name) DO UPDATE SET "
                "state = 'done', result = excluded.result, updated = excluded.updated",
                [scope, name, json.dumps(result, default=str), time.time()],
            )

    # reading ------------------------------------------------------------------------------
    def get(self, job_id: int) -> Job:
        with self._lock:
            row = self.db.execute(*SQLITE_READS.job(job_id)).fetchone()
        if row is None:
            raise KeyError(job_id)
        return row_to_job(row)

    def list(self, state: str | None = None) -> list[Job]:
        sql, args = SQLITE_READS.jobs(state)
        with self._lock:
            rows = self.db.execute(sql, args).fetchall()
        return [row_to_job(r) for r in rows]

    def stats(self, buckets: Sequence[float] = LATENCY_BUCKETS) -> QueueStats:
        by_state, latency = SQLITE_READS.stats(buckets)
        with self._lock:
            states = self.db.execute(by_state).fetchall()
            row = self.db.execute(latency).fetchone()
        return stats_from(states, row, buckets)

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()


SqliteQueue = JobQueue
