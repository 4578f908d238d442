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
from typing import TYPE_CHECKING

from codie.core.confidence import beta_posterior, feedback_signal
from codie.store import open_store

if TYPE_CHECKING:  # imported where used: sqlite-utils costs ~40 ms at start-up
    import sqlite_utils

VERDICTS = ("accept", "dismiss", "suppress")


def _v1(db: sqlite_utils.Database) -> None:
    db.execute(
        "CREATE TABLE feedback_events (id INTEGER PRIMARY KEY, project TEXT NOT NULL, "
        "rule_id TEXT NOT NULL, fingerprint TEXT, verdict TEXT NOT NULL, at REAL NOT NULL)"
    )
    db.execute("CREATE INDEX feedback_events_rule ON feedback_events (project, rule_id)")


def _v2(db: sqlite_utils.Database) -> None:
    # the confidence Codie gave the finding before feedback: what the verdict is compared to
    db.execute("ALTER TABLE feedback_events ADD COLUMN confidence REAL")


MIGRATIONS = [_v1, _v2]


@dataclass(frozen=True, slots=True)
class Posterior:
    rule_id: str
    accepts: int
    rejects: int
    alpha: float
    beta: float
    expected: float  # the mean confidence Codie gave the judged findings

    @property
    def precision(self) -> float:
        return self.alpha / (self.alpha + self.beta)


@dataclass
class _Tally:
    accepts: int = 0
    rejects: int = 0
    confidence_sum: float = 0.0
    confidence_n: int = 0

    def expected(self, prior: float) -> float:
        """Mean predicted confidence of the judged findings (prior where unrecorded)."""
        n = self.accepts + self.rejects
        if n == 0:
            return prior
        return (self.confidence_sum + prior * (n - self.confidence_n)) / n


class FeedbackStore:
    """Counts per (project, rule) and rejected fingerprints, backed by SQLite."""

    def __init__(self, path: Path | str) -> None:
        self.db = open_store(path, "feedback", MIGRATIONS)
        self._lock = threading.Lock()
        self.counts: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
        self.rejected: dict[str, set[str]] = defaultdict(set)  # project -> fingerprints
        # bumped by every event counted: a score computed at an older generation may be stale
        # (the editor caches its rescoring per finding: lsp/llm_support.py)
        self.generation = 0
        for project, rule_id, fp, verdict, confidence in self.db.execute(
            "SELECT project, rule_id, fingerprint, verdict, confidence FROM feedback_events ORDER BY id"
        ).fetchall():
            self._count(project, rule_id, fp, verdict, confidence)

    def _count(
        self,
        project: str,
        rule_id: str,
        fingerprint: str | None,
        verdict: str,
        confidence: float | None,
    ) -> None:
        accept = verdict == "accept"
        tally = self.counts[(project, rule_id)]
        if accept:
            tally.accepts += 1
        else:
            tally.rejects += 1
        if confidence is not None:
            tally.confidence_sum += confidence
            tally.confidence_n += 1
        if fingerprint:
            if accept:
                self.rejected[project].discard(fingerprint)
            else:
                self.rejected[project].add(fingerprint)
        self.generation += 1  # last: whoever sees the new generation sees the new counts

    def record(
        self,
        project: str,
        rule_id: str,
        verdict: str,
        fingerprint: str | None = None,
        confidence: float | None = None,
    ) -> None:
        """Store one event (call off the event loop: it writes to disk). `confidence` is
        the finding's confidence before feedback, when the finding is known."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
        with self._lock:
            self.db.execute(
                "INSERT INTO feedback_events (project, rule_id, fingerprint, verdict, at, "
                "confidence) VALUES (?, ?, ?, ?, ?, ?)",
                [project, rule_id, fingerprint, verdict, time.time(), confidence],
            )
            self._count(project, rule_id, fingerprint, verdict, confidence)

    def posterior(self, project: str, rule_id: str, prior: float) -> Posterior:
        tally = self.counts.get((project, rule_id), _Tally())
        expected = tally.expected(prior)
        alpha, beta = beta_posterior(expected, tally.accepts, tally.rejects)
        return Posterior(rule_id, tally.accepts, tally.rejects, alpha, beta, expected)

    def signal(self, project: str, rule_id: str, prior: float) -> float | None:
        tally = self.counts.get((project, rule_id), _Tally())
        return feedback_signal(tally.expected(prior), tally.accepts, tally.rejects)

    def is_rejected(self, project: str, fingerprint: str) -> bool:
        return fingerprint in self.rejected.get(project, ())

    def close(self) -> None:
        self.db.conn.close()
