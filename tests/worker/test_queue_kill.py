"""Exactly once under SIGKILL: a real `codie webhook` and two `codie worker --standalone`
processes on one queue (PostgreSQL on loopback, and SQLite), 200 concurrent deliveries.

Along the way a worker is killed in the middle of a job, another kills itself after
posting and before recording the post, and the webhook is killed and restarted while
the workers run. Every delivery must end with one done job and one post at the recorder
(the stand-in for GitHub); replayed deliveries are refused; only jobs of the killed workers
ran twice - the webhook's restart took nothing from the live worker."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from codie.worker.queue import Job
from codie.worker.queues import open_queue
from tests.worker.harness import (
    Proc,
    Recorder,
    deliveries,
    environment,
    post_all,
    sha_of,
    start_webhook,
    start_worker,
    wait_for,
)

DELIVERIES = 200
LEASE = 4.0  # short, so abandoned jobs come back soon; live workers renew it every LEASE/3
CRASHING = (17, 150)  # pull requests whose first run dies between posting and recording


@pytest.fixture(params=["postgres", "sqlite"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "queue.db")
    return str(request.getfixturevalue("pg_url"))


def test_every_delivery_is_processed_exactly_once(location: str, tmp_path: Path) -> None:
    with Recorder() as recorder:
        env = environment(
            recorder, tmp_path, CODIE_TEST_WORK="0.05", CODIE_TEST_CRASH=",".join(sha_of(n) for n in CRASHING)
        )
        queue = open_queue(location, lease=LEASE)
        procs: list[Proc] = []
        try:
            webhook, url = start_webhook(location, env, tmp_path / "webhook-1.log", LEASE)
            procs.append(webhook)
            workers = [start_worker(location, env, tmp_path / f"worker-{i}.log", LEASE) for i in (1, 2)]
            procs += workers
            batch = deliveries(DELIVERIES)
            statuses = asyncio.run(post_all(url, batch))
            assert statuses == [202] * DELIVERIES

            crash_shas = {sha_of(n) for n in CRASHING}
            abandoned: set[int] = set()  # jobs worker 1 held when it was killed
            killed = False

            def holding(proc: Proc) -> list[Job]:
                return [j for j in queue.list("running") if (j.worker or "").split(":")[1:2] == [str(proc.pid)]]

            def replace_dead() -> None:
                """A worker that died on its own (a crashing pull request) is replaced at once
                (the new one re-queues its dead jobs at once); the killed worker 1 only after
                its jobs' leases ran out and worker 2 finished them."""
                for i, worker in enumerate(workers):
                    if worker.alive() or (i == 0 and killed and not all(queue.get(j).final for j in abandoned)):
                        continue
                    workers[i] = start_worker(location, env, tmp_path / f"worker-{i + 1}.log", LEASE)
                    procs.append(workers[i])

            def worker_1_mid_job() -> bool:
                replace_dead()
                return (
                    len(queue.list("done")) >= 20
                    and workers[0].alive()
                    and any(j.payload["head_sha"] not in crash_shas for j in holding(workers[0]))
                )

            wait_for(worker_1_mid_job, "worker 1 in the middle of a job")
            workers[0].kill()
            killed = True
            abandoned = {j.id for j in holding(workers[0])}

            # the webhook dies and comes back while worker 2 works
            webhook.kill()
            webhook, url = start_webhook(location, env, tmp_path / "webhook-2.log", LEASE)
            procs.append(webhook)
            replays = asyncio.run(post_all(url, batch[:50]))
            assert replays == [409] * 50  # the same delivery ids: refused, not queued again

            def settled() -> bool:
                replace_dead()
                return all(j.final for j in queue.list())

            wait_for(settled, "every job to finish", timeout=600, every=0.2)
        finally:
            for proc in procs:
                proc.stop()

        jobs = queue.list()
        assert len(jobs) == DELIVERIES
        assert {j.state for j in jobs} == {"done"}, [(j.id, j.state, j.error) for j in jobs if j.state != "done"]
        assert sorted(j.payload["head_sha"] for j in jobs) == sorted(sha_of(n) for n in range(1, DELIVERIES + 1))
        counts = recorder.counts()
        assert set(counts) == {sha_of(n) for n in range(1, DELIVERIES + 1)}
        assert [k for k, c in counts.items() if c != 1] == []  # one post per delivery, none doubled
        crashed = {j.id for j in jobs if j.payload["head_sha"] in {sha_of(n) for n in CRASHING}}
        assert all(j.attempts >= 2 for j in jobs if j.id in crashed)
        # only jobs held by a killed worker ran more than once
        again = {j.id for j in jobs if j.attempts > 1}
        assert again <= abandoned | crashed, (again, abandoned, crashed)
        assert abandoned, "worker 1 was killed while holding a job"
        queue.close()


@pytest.mark.parametrize("step", ["before-post", "after-post", "after-record"])
def test_a_worker_killed_at_each_step_of_a_job(step: str, location: str, tmp_path: Path) -> None:
    """One pull request; its first run dies at `step`; the next worker finishes it, and
    GitHub (the recorder) got exactly one post."""
    with Recorder() as recorder:
        env = environment(recorder, tmp_path, CODIE_TEST_WORK="0", CODIE_TEST_CRASH=sha_of(1), CODIE_TEST_CRASH_AT=step)
        queue = open_queue(location, lease=LEASE)
        webhook, url = start_webhook(location, env, tmp_path / "webhook.log", LEASE)
        procs = [webhook]
        try:
            assert asyncio.run(post_all(url, deliveries(1))) == [202]
            first = start_worker(location, env, tmp_path / "worker-1.log", LEASE)
            procs.append(first)
            wait_for(lambda: not first.alive(), "the first worker to die at " + step, timeout=120)
            (job,) = queue.list()
            assert job.state == "running" and job.attempts == 1
            assert len(recorder.posts) == (0 if step == "before-post" else 1)
            procs.append(start_worker(location, env, tmp_path / "worker-2.log", LEASE))
            wait_for(lambda: queue.get(job.id).final, "the job to finish", timeout=120)
        finally:
            for proc in procs:
                proc.stop()
        done = queue.get(job.id)
        assert done.state == "done" and done.attempts == 2
        assert recorder.counts() == {sha_of(1): 1}
        queue.close()


def test_restarting_the_webhook_leaves_a_live_workers_job_alone(location: str, tmp_path: Path) -> None:
    """The issue's case: a standalone worker holds a job; the webhook is restarted with
    embedded workers. Before, the restart re-queued every running job and it ran twice."""
    release = tmp_path / "release"
    with Recorder() as recorder:
        env = environment(
            recorder, tmp_path, CODIE_TEST_WORK="0", CODIE_TEST_HOLD=sha_of(1), CODIE_TEST_RELEASE=str(release)
        )
        queue = open_queue(location, lease=LEASE)
        procs: list[Proc] = []
        try:
            worker = start_worker(location, env, tmp_path / "worker.log", LEASE)
            webhook, url = start_webhook(location, env, tmp_path / "webhook-1.log", LEASE)
            procs += [worker, webhook]
            batch = deliveries(2)
            assert asyncio.run(post_all(url, batch[:1])) == [202]
            (held,) = wait_for(lambda: queue.list("running"), "the worker to take the job")
            assert (held.worker or "").split(":")[1] == str(worker.pid)
            webhook.kill()
            # back, now with an embedded worker of its own that would happily run any job
            webhook = Proc(
                [
                    "webhook",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--db",
                    location,
                    "--workers",
                    "1",
                    "--lease",
                    str(LEASE),
                ],
                env,
                tmp_path / "webhook-2.log",
            )
            procs.append(webhook)
            url = wait_for(
                lambda: next(
                    (
                        line.split("listening on ", 1)[1].rsplit("/webhook", 1)[0]
                        for line in (tmp_path / "webhook-2.log").read_text().splitlines()
                        if "listening on" in line
                    ),
                    None,
                ),
                "the webhook to listen",
            )
            assert asyncio.run(post_all(url, batch[1:])) == [202]
            # the embedded worker has been claiming: it ran the new job...
            other = wait_for(lambda: [j for j in queue.list("done") if j.id != held.id], "the second job")
            assert (other[0].worker or "").split(":")[1] == str(webhook.pid)
            # ...and left the live worker's job alone
            still = queue.get(held.id)
            assert (still.state, still.worker, still.attempts) == ("running", held.worker, 1)
            release.write_text("go")
            wait_for(lambda: queue.get(held.id).final, "the held job to finish")
        finally:
            for proc in procs:
                proc.stop()
        done = queue.get(held.id)
        assert (done.state, done.worker, done.attempts) == ("done", held.worker, 1)
        assert recorder.counts() == {sha_of(1): 1, sha_of(2): 1}
        queue.close()
