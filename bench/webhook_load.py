"""Load test of `codie webhook` on loopback: 200 signed deliveries at once.

Every delivery must be answered (202) and queued; then the embedded workers check every
pull request against a real local git repository and a fake GitHub API on loopback, and
each job must have run exactly once (one review per pull request, attempts == 1).

    .venv/bin/python bench/webhook_load.py [--deliveries 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.pr.fake_github import FakeGitHub  # noqa: E402
from tests.pr.helpers import SECRET, encode, make_repo, pr_event, publish_pull, signed  # noqa: E402

import codie.pr.job  # noqa: E402,F401  (registers the pr-check handler)
from codie.pr.webhook import WebhookService, serve  # noqa: E402


async def main(deliveries: int, workers: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeGitHub() as github:
        tmp_path = Path(tmp)
        shas = make_repo(tmp_path / "repo")
        for n in range(1, deliveries + 1):  # jobs fetch each pull request's refs/pull/N/head
            publish_pull(tmp_path / "repo", n, shas["head"])
        os.environ.update(
            {
                "CODIE_GITHUB_API_URL": github.url,
                "CODIE_GITHUB_TOKEN": github.token,
                "CODIE_PR_CACHE": str(tmp_path / "cache"),
            }
        )
        service = WebhookService(SECRET, tmp_path / "hook.db", workers=workers)
        runner = await serve(service, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/webhook"
        bodies = [encode(pr_event(tmp_path / "repo", shas, number=n)) for n in range(1, deliveries + 1)]
        latencies: list[float] = []
        statuses: list[int] = []

        async def send(session: aiohttp.ClientSession, body: bytes) -> None:
            started = time.perf_counter()
            async with session.post(url, data=body, headers=signed(body)) as r:
                await r.read()
                statuses.append(r.status)
            latencies.append((time.perf_counter() - started) * 1000)

        connector = aiohttp.TCPConnector(limit=deliveries)
        started = time.perf_counter()
        async with aiohttp.ClientSession(connector=connector) as session:
            await asyncio.gather(*(send(session, b) for b in bodies))
        answer_wall = time.perf_counter() - started
        queued = len(service.queue.list())
        service.start_workers()
        work_started = time.perf_counter()
        while any(not j.final for j in service.queue.list()):
            await asyncio.sleep(0.2)
        work_wall = time.perf_counter() - work_started
        jobs = service.queue.list()
        reviewed = [key for key, comments in github.comments.items() if comments]
        await runner.cleanup()
        service.close()
    latencies.sort()
    print(f"deliveries sent at once      {deliveries}")
    print(f"answered 202                 {statuses.count(202)} (others: {sorted(set(statuses) - {202})})")
    print(f"answer wall time             {answer_wall * 1000:.0f} ms for all")
    print(
        f"answer latency p50/p95/max   {statistics.median(latencies):.1f} / "
        f"{latencies[int(0.95 * (len(latencies) - 1))]:.1f} / {latencies[-1]:.1f} ms"
    )
    print(f"jobs queued                  {queued}")
    done, failed = sum(j.state == "done" for j in jobs), sum(j.state == "failed" for j in jobs)
    print(f"jobs done / failed           {done} / {failed}")
    print(f"jobs run more than once      {sum(j.attempts > 1 for j in jobs)}")
    print(f"pull requests reviewed       {len(reviewed)} (reviews posted: {len(github.reviews)})")
    print(f"checking all PRs             {work_wall:.1f} s with {workers} worker thread(s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deliveries", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main(args.deliveries, args.workers))
