"""The job queue on PostgreSQL (psycopg 3): `codie worker --db postgresql://...`.

Any number of workers on any number of hosts share it. A claim is one statement that
locks the oldest queued row with FOR UPDATE SKIP LOCKED (so two workers never wait on,
or take, the same job) and gives it a lease; times are the database server's clock, so
leases mean the same on every host whatever their clocks say. Tables have the same names
and columns as the SQLite store's; migrations run under an advisory lock.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from codie.worker.queue import (
    COLUMNS,
    LATENCY_BUCKETS,
    LEASE,
    MAX_ATTEMPTS,
    Effect,
    Job,
    Queue,
    QueueError,
    QueueStats,
    Reads,
    row_to_job,
    stats_from,
)

try:
    import psycopg
except ImportError:  # pragma: no cover - the optional extra is not installed
    psycopg = None  # type: ignore[assignment]

T = TypeVar("T")
NOW = "extract(epoch from clock_timestamp())::double precision"
MIGRATION_LOCK = 0x636F646965  # pg_advisory_xact_lock key ("codie")
READS = Reads("%s")

MIGRATIONS = [
    [
        f"""CREATE TABLE worker_jobs (
        id BIGSERIAL PRIMARY KEY,
        kind TEXT NOT NULL,
        key TEXT UNIQUE,
        payload TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'queued',
        attempts INTEGER NOT NULL DEFAULT 0,
        result TEXT,
        error TEXT,
        progress DOUBLE PRECISION NOT NULL DEFAULT 0,
        message TEXT NOT NULL DEFAULT '',
        worker TEXT,
        created DOUBLE PRECISION NOT NULL DEFAULT ({NOW}),
        started DOUBLE PRECISION,
        heartbeat DOUBLE PRECISION,
        finished DOUBLE PRECISION,
        lease_until DOUBLE PRECISION
    )""",
        "CREATE INDEX worker_jobs_state ON worker_jobs (state, id)",
        """CREATE TABLE worker_effects (scope TEXT NOT NULL, name TEXT NOT NULL,
        state TEXT NOT NULL, result TEXT, updated DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (scope, name))""",
        """CREATE TABLE webhook_deliveries (delivery TEXT PRIMARY KEY, event TEXT,
        received DOUBLE PRECISION, job BIGINT)""",
    ],
]


class _Pool:
    """A few autocommit connections shared by the threads of one process (the heartbeat,
    the webhook's handlers, the worker loop); a broken one is dropped, never reused."""

    def __init__(self, url: str, keep: int = 8) -> None:
        self.url = url
        self.keep = keep
        self.idle: list[psycopg.Connection[Any]] = []
        self.lock = threading.Lock()
        self.closed = False

    def _new(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url, autocommit=True, connect_timeout=10, application_name="codie-queue")

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        with self.lock:
            conn = self.idle.pop() if self.idle else None
        if conn is None or conn.closed:
            conn = self._new()
        healthy = False
        try:
            yield conn
            healthy = True
        finally:
            idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            with self.lock:
                if healthy and idle and not conn.closed and not self.closed and len(self.idle) < self.keep:
                    self.idle.append(conn)
                    conn = None
            if conn is not None:
                conn.close()

    def close(self) -> None:
        with self.lock:
            self.closed = True
            idle, self.idle = self.idle, []
        for conn in idle:
            conn.close()


class PostgresQueue(Queue):
    def __init__(self, url: str, lease: float = LEASE, max_attempts: int = MAX_ATTEMPTS) -> None:
        if psycopg is None:
            raise QueueError("the PostgreSQL queue needs psycopg: pip install 'codie[postgres]'")
        self.url = url
        self.location = _redact(url)
        self.lease = lease
        self.max_attempts = max_attempts
        self.pool = _Pool(url)
        self._swept = 0.0  # monotonic time of the last look for expired leases
        try:
            self._run(self._migrate)
        except psycopg.Error as exc:
            self.pool.close()
            raise QueueError(f"cannot open the job queue at {self.location}: {str(exc).strip()}") from None

    def _run(self, fn: Callable[[psycopg.Connection[Any]], T]) -> T:
        """fn on a pooled connection; once more on a fresh one if a stale one broke."""
        for attempt in (1, 2):
            try:
                with self.pool.connection() as conn:
                    return fn(conn)
            except psycopg.OperationalError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _migrate(conn: psycopg.Connection[Any]) -> None:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [MIGRATION_LOCK])
            conn.execute(
                "CREATE TABLE IF NOT EXISTS codie_migrations (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
            )
            row = conn.execute("SELECT version FROM codie_migrations WHERE component = 'queue'").fetchone()
            version = int(row[0]) if row else 0
            for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in statements:
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO codie_migrations VALUES ('queue', %s) ON CONFLICT (component) "
                    "DO UPDATE SET version = excluded.version",
                    [number],
                )

    def _exec(self, sql: str, args: Sequence[Any] = ()) -> int:
        return self._run(lambda c: c.execute(sql, args).rowcount)

    def _one(self, sql: str, args: Sequence[Any] = ()) -> Any:
        return self._run(lambda c: c.execute(sql, args).fetchone())

    # producing ----------------------------------------------------------------------------
    @staticmethod
    def _insert(conn: psycopg.Connection[Any], kind: str, payload: dict[str, Any], key: str | None) -> int:
        row = conn.execute(
            "INSERT INTO worker_jobs (kind, key, payload) VALUES (%s, %s, %s) "
            "ON CONFLICT (key) DO NOTHING RETURNING id",
            [kind, key, json.dumps(payload, sort_keys=True, default=str)],
        ).fetchone()
        if row is None:
            row = conn.execute("SELECT id FROM worker_jobs WHERE key = %s", [key]).fetchone()
        assert row is not None
        return int(row[0])

    def enqueue(self, kind: str, payload: dict[str, Any], key: str | None = None) -> int:
        return self._run(lambda c: self._insert(c, kind, payload, key))

    def record_delivery(
        self, delivery: str, event: str, job: tuple[str, dict[str, Any], str | None] | None
    ) -> int | None:
        def record(conn: psycopg.Connection[Any]) -> int | None:
            with conn.transaction():
                row = conn.execute(
                    f"INSERT INTO webhook_deliveries (delivery, event, received) "
                    f"VALUES (%s, %s, {NOW}) ON CONFLICT (delivery) DO NOTHING RETURNING 1",
                    [delivery, event],
                ).fetchone()
                if row is None:
                    return None
                if job is None:
                    return 0
                job_id = self._insert(conn, *job)
                conn.execute("UPDATE webhook_deliveries SET job = %s WHERE delivery = %s", [job_id, delivery])
                return job_id

        return self._run(record)

    # consuming ----------------------------------------------------------------------------
    def claim(self, worker_id: str, kinds: Sequence[str] | None = None) -> Job | None:
        if kinds is not None and not kinds:
            return None
        # expired leases are looked for at most every lease/4 (and 1 s) per process: a
        # busy worker claims far more often than a lease can run out
        if time.monotonic() - self._swept >= min(1.0, self.lease / 4):
            self.requeue_expired()
            self._swept = time.monotonic()
        where = "state = 'queued'" + (" AND kind = ANY(%s)" if kinds is not None else "")
        args: list[Any] = [worker_id, self.lease] + ([list(kinds)] if kinds is not None else [])
        row = self._one(
            f"UPDATE worker_jobs SET state = 'running', worker = %s, started = {NOW}, "
            f"heartbeat = {NOW}, lease_until = {NOW} + %s, attempts = attempts + 1, "
            f"progress = 0, message = '' WHERE id = (SELECT id FROM worker_jobs WHERE {where} "
            f"ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING {COLUMNS}",
            args,
        )
        return row_to_job(row) if row is not None else None

    def requeue_expired(self) -> int:
        # rows being claimed or renewed right now are skipped, not waited for
        expired = (
            "id IN (SELECT id FROM worker_jobs WHERE state = 'running' AND "
            f"lease_until <= {NOW} {{extra}} FOR UPDATE SKIP LOCKED)"
        )
        failed = self._exec(
            f"UPDATE worker_jobs SET state = 'failed', finished = {NOW}, lease_until = NULL, "
            "error = 'abandoned ' || attempts || ' times by a dying worker' WHERE "
            + expired.format(extra="AND attempts >= %s"),
            [self.max_attempts],
        )
        queued = self._exec(
            "UPDATE worker_jobs SET state = 'queued', worker = NULL, lease_until = NULL WHERE "
            + expired.format(extra="")
        )
        return failed + queued

    def requeue_abandoned(self, worker_ids: Sequence[str]) -> int:
        if not worker_ids:
            return 0
        return self._exec(
            "UPDATE worker_jobs SET state = 'queued', worker = NULL, lease_until = NULL "
            "WHERE state = 'running' AND worker = ANY(%s)",
            [list(worker_ids)],
        )

    def heartbeat(self, job_id: int, worker: str | None = None) -> bool:
        return (
            self._exec(
                f"UPDATE worker_jobs SET heartbeat = {NOW}, lease_until = {NOW} + %s "
                "WHERE id = %s AND state = 'running' AND (%s::text IS NULL OR worker = %s)",
                [self.lease, job_id, worker, worker],
            )
            == 1
        )

    def progress(self, job_id: int, fraction: float, message: str = "") -> None:
        fraction = min(1.0, max(0.0, float(fraction)))
        self._exec(
            f"UPDATE worker_jobs SET progress = %s, message = %s, heartbeat = {NOW}, "
            f"lease_until = {NOW} + %s WHERE id = %s AND state = 'running'",
            [fraction, message, self.lease, job_id],
        )

    def _finish(self, job_id: int, worker: str | None, sets: str, args: list[Any]) -> bool:
        return (
            self._exec(
                f"UPDATE worker_jobs SET {sets}, finished = {NOW}, lease_until = NULL "
                "WHERE id = %s AND state = 'running' AND (%s::text IS NULL OR worker = %s)",
                [*args, job_id, worker, worker],
            )
            == 1
        )

    def complete(self, job_id: int, result: dict[str, Any], worker: str | None = None) -> bool:
        return self._finish(
            job_id, worker, "state = 'done', result = %s, progress = 1", [json.dumps(result, default=str)]
        )

    def fail(self, job_id: int, error: str, worker: str | None = None) -> bool:
        return self._finish(job_id, worker, "state = 'failed', error = %s", [error])

    def cancel(self, job_id: int) -> bool:
        return (
            self._exec(
                f"UPDATE worker_jobs SET state = 'cancelled', finished = {NOW}, lease_until = NULL "
                "WHERE id = %s AND state IN ('queued', 'running')",
                [job_id],
            )
            == 1
        )

    def is_cancelled(self, job_id: int) -> bool:
        row = self._one("SELECT state FROM worker_jobs WHERE id = %s", [job_id])
        return row is None or row[0] == "cancelled"

    # effects ------------------------------------------------------------------------------
    def effect(self, scope: str, name: str) -> Effect | None:
        row = self._one("SELECT state, result FROM worker_effects WHERE scope = %s AND name = %s", [scope, name])
        if row is None:
            return None
        return Effect(row[0], json.loads(row[1]) if row[1] is not None else None)

    def begin_effect(self, scope: str, name: str) -> None:
        self._exec(
            f"INSERT INTO worker_effects (scope, name, state, updated) VALUES "
            f"(%s, %s, 'pending', {NOW}) ON CONFLICT (scope, name) DO NOTHING",
            [scope, name],
        )

    def finish_effect(self, scope: str, name: str, result: dict[str, Any]) -> None:
        self._exec(
            f"INSERT INTO worker_effects (scope, name, state, result, updated) VALUES "
            f"(%s, %s, 'done', %s, {NOW}) ON CONFLICT (scope, name) DO UPDATE SET "
            "state = 'done', result = excluded.result, updated = excluded.updated",
            [scope, name, json.dumps(result, default=str)],
        )

    # reading ------------------------------------------------------------------------------
    def get(self, job_id: int) -> Job:
        row = self._one(*READS.job(job_id))
        if row is None:
            raise KeyError(job_id)
        return row_to_job(row)

    def list(self, state: str | None = None) -> list[Job]:
        sql, args = READS.jobs(state)
        rows = self._run(lambda c: c.execute(sql, args).fetchall())
        return [row_to_job(r) for r in rows]

    def stats(self, buckets: Sequence[float] = LATENCY_BUCKETS) -> QueueStats:
        by_state, latency = READS.stats(buckets)

        def read(conn: psycopg.Connection[Any]) -> QueueStats:
            states = conn.execute(by_state).fetchall()
            row = conn.execute(latency).fetchone()
            return stats_from(states, row, buckets)

        return self._run(read)

    def close(self) -> None:
        self.pool.close()


def _redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(url)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
            return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        pass
    return url
