"""Test and benchmark history in the SQLite store (component "runtime"), and the z-score
anomaly check: a duration more than Z_LIMIT standard deviations above its recent history
(at least MIN_HISTORY earlier passing runs) is a slow-down."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codie.store import open_store

if TYPE_CHECKING:  # imported where used: sqlite-utils costs ~40 ms at start-up
    import sqlite_utils

Z_LIMIT = 3.0
MIN_HISTORY = 5
WINDOW = 20
# Noise floor of the standard deviation: a test that always took exactly 10 ms would
# otherwise be "slower" at 10.1 ms, and a 5 µs test "slower" after one scheduler hiccup.
# Benchmarks average many calls per round, so they get the relative floor only.
REL_FLOOR = 0.05
ABS_FLOOR = 0.005


def _create(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE runtime_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT, root TEXT NOT NULL, started REAL NOT NULL,
            backend TEXT, wall_s REAL, cpu_s REAL, maxrss_kb INTEGER,
            passed INTEGER, failed INTEGER)"""
    )
    db.execute(
        """CREATE TABLE runtime_results (
            run_id INTEGER NOT NULL REFERENCES runtime_runs(id), root TEXT NOT NULL,
            nodeid TEXT NOT NULL, outcome TEXT NOT NULL, duration REAL NOT NULL,
            bench_mean REAL)"""
    )
    db.execute("CREATE INDEX runtime_results_test ON runtime_results (root, nodeid, run_id)")


MIGRATIONS = [_create]


@dataclass(frozen=True)
class Anomaly:
    nodeid: str
    metric: str  # "duration" | "benchmark"
    value: float
    mean: float
    stdev: float
    z: float
    samples: int

    def describe(self) -> str:
        factor = self.value / self.mean if self.mean > 0 else float("inf")
        what = "per call" if self.metric == "benchmark" else "per run"
        return (
            f"{_fmt(self.value)} {what} vs {_fmt(self.mean)} ± {_fmt(self.stdev)} over the "
            f"last {self.samples} runs ({factor:.1f}x, z = {self.z:.1f})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodeid": self.nodeid,
            "metric": self.metric,
            "value": self.value,
            "mean": self.mean,
            "stdev": self.stdev,
            "z": round(self.z, 2),
            "samples": self.samples,
            "text": self.describe(),
        }


def _fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} µs"


def zscore(
    value: float,
    history: list[float],
    min_history: int = MIN_HISTORY,
    z_limit: float = Z_LIMIT,
    abs_floor: float = ABS_FLOOR,
) -> tuple[float, float, float] | None:
    """(mean, stdev, z) when `value` is an anomaly against `history`, else None."""
    if len(history) < min_history:
        return None
    import statistics  # (here: with fractions and decimal, 0.6 MiB the editor rarely needs)

    mean = statistics.fmean(history)
    stdev = statistics.pstdev(history)
    floored = max(stdev, REL_FLOOR * mean, abs_floor, 1e-12)
    z = (value - mean) / floored
    return (mean, stdev, z) if z > z_limit else None


class History:
    def __init__(self, path: Path | str, min_history: int = MIN_HISTORY, z_limit: float = Z_LIMIT) -> None:
        self.db = open_store(path, "runtime", MIGRATIONS)
        self.min_history = min_history
        self.z_limit = z_limit

    def _recent(self, root: str, nodeid: str, column: str) -> list[float]:
        rows = self.db.execute(
            f"SELECT {column} FROM runtime_results WHERE root = ? AND nodeid = ? "
            f"AND outcome = 'passed' AND {column} IS NOT NULL ORDER BY run_id DESC LIMIT ?",
            [root, nodeid, WINDOW],
        ).fetchall()
        return [float(r[0]) for r in rows]

    def anomalies(self, root: str, tests: list[dict[str, Any]]) -> list[Anomaly]:
        """Compare passing tests of a new run against the stored history (before recording)."""
        found = []
        for test in tests:
            if test.get("outcome") != "passed":
                continue
            checks = [("duration", "duration", float(test.get("duration") or 0.0))]
            if test.get("bench"):
                checks = [("benchmark", "bench_mean", float(test["bench"]["mean"]))]
            for metric, column, value in checks:
                past = self._recent(root, test["nodeid"], column)
                floor = 0.0 if metric == "benchmark" else ABS_FLOOR
                hit = zscore(value, past, self.min_history, self.z_limit, floor)
                if hit is not None:
                    mean, stdev, z = hit
                    found.append(Anomaly(test["nodeid"], metric, value, mean, stdev, z, len(past)))
        return found

    def record(self, root: str, backend: str, run: dict[str, Any], tests: list[dict[str, Any]]) -> int:
        with self.db.conn:
            cur = self.db.execute(
                "INSERT INTO runtime_runs (root, started, backend, wall_s, cpu_s, maxrss_kb, "
                "passed, failed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    root,
                    time.time(),
                    backend,
                    run.get("wall_s"),
                    run.get("cpu_s"),
                    run.get("maxrss_kb"),
                    sum(t.get("outcome") == "passed" for t in tests),
                    sum(t.get("outcome") in ("failed", "error") for t in tests),
                ],
            )
            run_id = int(cur.lastrowid or 0)
            self.db.conn.executemany(
                "INSERT INTO runtime_results (run_id, root, nodeid, outcome, duration, "
                "bench_mean) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_id,
                        root,
                        t["nodeid"],
                        t.get("outcome", "unknown"),
                        float(t.get("duration") or 0.0),
                        float(t["bench"]["mean"]) if t.get("bench") else None,
                    )
                    for t in tests
                ],
            )
        return run_id

    def durations(self, root: str, nodeid: str) -> list[float]:
        return list(reversed(self._recent(root, nodeid, "duration")))
