"""Throughput of the job queue: N signed deliveries into a real `codie webhook`, drained by
two `codie worker --standalone` processes, on PostgreSQL (a server started on loopback from
the OS package) and on SQLite, side by side.

The job is the tests' stand-in for pr-check (tests/worker/queue_handlers.py): it posts one
record to a loopback recorder through ctx.once, with no analysis time by default, so the
figure is the queue's own cost per job (claim, lease, heartbeat, effect bookkeeping, result).
Every run is also checked: every delivery done once, one post each.

    .venv/bin/python bench/queue_bench.py [--deliveries 200] [--workers 2] [--work 0]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.worker.harness import (  # noqa: E402
    Recorder,
    deliveries,
    environment,
    post_all,
    start_webhook,
    start_worker,
    wait_for,
)
from tests.worker.postgres import PostgresServer, binaries  # noqa: E402

from codie.worker.queues import open_queue  # noqa: E402

LEASE = 30.0


def run(location: str, tmp: Path, count: int, workers: int, work: float) -> dict[str, float]:
    with Recorder() as recorder:
        env = environment(recorder, tmp, CODIE_TEST_WORK=str(work))
        queue = open_queue(location)
        webhook, url = start_webhook(location, env, tmp / "webhook.log", LEASE)
        procs = [start_worker(location, env, tmp / f"worker-{i}.log", LEASE) for i in range(workers)]
        try:
            # the workers are up when they have announced themselves
            wait_for(
                lambda: all("serving" in (tmp / f"worker-{i}.log").read_text(errors="replace") for i in range(workers)),
                "the workers to start",
                timeout=120,
            )
            batch = deliveries(count)
            started = time.perf_counter()
            statuses = asyncio.run(post_all(url, batch))
            answered = time.perf_counter() - started
            assert statuses == [202] * count, statuses
            wait_for(lambda: queue.stats().states["done"] == count, "every job", timeout=900, every=0.02)
            drained = time.perf_counter() - started
        finally:
            for proc in [webhook, *procs]:
                proc.stop()
        counts = recorder.counts()
        assert len(counts) == count and set(counts.values()) == {1}, "a delivery was lost or doubled"
        stats = queue.stats()
        queue.close()
        return {
            "answered_s": answered,
            "drained_s": drained,
            "jobs_per_s": count / drained,
            "latency_mean_s": stats.latency_sum / max(1, stats.latency_count),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", type=float, default=0.0, help="seconds of work per job")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="codie-queue-bench-") as tmp:
        base = Path(tmp)
        (base / "sqlite").mkdir()
        results["SQLite"] = run(
            str(base / "sqlite" / "queue.db"), base / "sqlite", args.deliveries, args.workers, args.work
        )
        bindir = binaries()
        if bindir is None:
            print("PostgreSQL: not installed (apt-get install postgresql); skipped")
        else:
            server = PostgresServer(bindir)
            try:
                server.start()
                (base / "pg").mkdir()
                results["PostgreSQL"] = run(
                    server.new_database(), base / "pg", args.deliveries, args.workers, args.work
                )
            finally:
                server.stop()
    print(f"{args.deliveries} deliveries, {args.workers} standalone workers, {args.work:g} s of work per job")
    print(f"{'queue':<12}{'answered (s)':>14}{'drained (s)':>13}{'jobs/s':>9}{'mean latency (s)':>18}")
    for name, r in results.items():
        print(
            f"{name:<12}{r['answered_s']:>14.2f}{r['drained_s']:>13.2f}{r['jobs_per_s']:>9.1f}"
            f"{r['latency_mean_s']:>18.2f}"
        )


if __name__ == "__main__":
    main()
