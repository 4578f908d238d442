"""Team feedback on findings: a Beta posterior of each rule's precision per project.

Events (accept / dismiss / suppress, from `codie/feedback` and from code actions) are
stored in SQLite (codie.store, component "feedback") and summed in memory, so that scoring
a finding never touches the disk. The blend itself lives in core/confidence.py.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from codie.core.confidence import beta_posterior, feedback_signal
from codie.store import open_store

VERDICTS = ("accept", "dismiss", "suppress")


def _v1(db: sqlite_utils.Database) -> None:
    db.execute(
        "CREATE TABLE feedback_events (id INTEGER PRIMARY KEY, project TEXT NOT NULL, "
        "rule_id TEXT NOT NULL, fingerprint TEXT, verdict TEXT NOT NULL, at REAL NOT NULL)"
    )
    db.execute("CREATE INDEX feedback_events_rule ON feedback_events (project, rule_id)")


MIGRATIONS = [_v1]


@dataclass(frozen=True, slots=True)
class Posterior:
    rule_id: str
    accepts: int
    rejects: int
    alpha: float
    beta: float

    @property
    def precision(self) -> float:
        return self.alpha / (self.alpha + self.beta)


class FeedbackStore:
    """Counts per (project, rule) and rejected fingerprints, backed by SQLite."""

    def __init__(self, path: Path | str) -> None:
        self.db = open_store(path, "feedback", MIGRATIONS)
        self._lock = threading.Lock()
        self.counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        self.rejected: dict[str, set[str]] = defaultdict(set)  # project -> fingerprints
        for project, rule_id, fp, verdict in self.db.execute(
            "SELECT project, rule_id, fingerprint, verdict FROM feedback_events ORDER BY id"
        ).fetchall():
            self._count(project, rule_id, fp, verdict)

    def _count(self, project: str, rule_id: str, fingerprint: str | None, verdict: str) -> None:
        accept = verdict == "accept"
        self.counts[(project, rule_id)][0 if accept else 1] += 1
        if fingerprint:
            if accept:
                self.rejected[project].discard(fingerprint)
            else:
                self.rejected[project].add(fingerprint)

    def record(
        self, project: str, rule_id: str, verdict: str, fingerprint: str | None = None
    ) -> None:
        """Store one event (call off the event loop: it writes to disk)."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
        with self._lock:
            self.db.execute(
                "INSERT INTO feedback_events (project, rule_id, fingerprint, verdict, at) "
                "VALUES (?, ?, ?, ?, ?)", [project, rule_id, fingerprint, verdict, time.time()])
            self._count(project, rule_id, fingerprint, verdict)

    def posterior(self, project: str, rule_id: str, prior: float) -> Posterior:
        accepts, rejects = self.counts.get((project, rule_id), (0, 0))
        alpha, beta = beta_posterior(prior, accepts, rejects)
        return Posterior(rule_id, accepts, rejects, alpha, beta)

    def signal(self, project: str, rule_id: str, prior: float) -> float | None:
        accepts, rejects = self.counts.get((project, rule_id), (0, 0))
        return feedback_signal(prior, accepts, rejects)

    def is_rejected(self, project: str, fingerprint: str) -> bool:
        return fingerprint in self.rejected.get(project, ())

    def close(self) -> None:
        self.db.conn.close()
