"""Which queue store a location names: kept apart from both stores so neither imports the other."""

from __future__ import annotations

from pathlib import Path

from codie.worker.queue import LEASE, MAX_ATTEMPTS, POSTGRES_SCHEMES, JobQueue, Queue, QueueError


def open_queue(location: Path | str, lease: float = LEASE, max_attempts: int = MAX_ATTEMPTS) -> Queue:
    """PostgreSQL for a postgresql:// URL, else the SQLite file at `location`."""
    text = str(location)
    if text.startswith(POSTGRES_SCHEMES):
        from codie.worker.pgqueue import PostgresQueue

        return PostgresQueue(text, lease=lease, max_attempts=max_attempts)
    if "://" in text:
        raise QueueError(f"unsupported queue location {text!r}: use a file path or a postgresql:// URL")
    return JobQueue(Path(location), lease=lease, max_attempts=max_attempts)
