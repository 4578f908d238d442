"""The queue's contract on both stores: SQLite (embedded) and PostgreSQL (a real server on
loopback). Leases are renewed by heartbeats and only expired ones are reclaimed; a worker
that lost its lease cannot finish the job; deliveries and effects are recorded once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from codie.pr.webhook import WebhookService
from codie.worker import handlers
from codie.worker.queue import JobQueue, Queue, QueueError
from codie.worker.queues import open_queue
from codie.worker.runner import execute
from tests.pr.helpers import SECRET

Factory = Callable[..., Queue]


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "queue.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def make(location: str) -> Factory:
    opened: list[Queue] = []

    def factory(**kwargs: float) -> Queue:
        queue = open_queue(location, **kwargs)  # type: ignore[arg-type]
        opened.append(queue)
        return queue

    yield factory  # type: ignore[misc]
    for queue in opened:
        queue.close()


def test_open_queue_picks_the_store(tmp_path: Path) -> None:
    assert isinstance(open_queue(tmp_path / "q.db"), JobQueue)
    assert not (tmp_path / "postgresql:").exists()
    with pytest.raises(QueueError, match="unsupported"):
        open_queue("mysql://localhost/x")


def test_unreachable_postgres_is_a_clear_error() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(QueueError, match="cannot open the job queue at postgresql://codie:\\*\\*\\*@"):
        open_queue("postgresql://codie:secret@127.0.0.1:1/none")


def test_enqueue_claim_complete(make: Factory) -> None:
    queue = make()
    first = queue.enqueue("pr-check", {"pr": 1}, key="k1")
    assert queue.enqueue("pr-check", {"pr": 1}, key="k1") == first
    other = queue.enqueue("other", {})
    assert queue.claim("w", kinds=[]) is None
    job = queue.claim("w", kinds=["pr-check"])
    assert job is not None and job.id == first and job.state == "running" and job.attempts == 1
    assert job.lease_until is not None and job.scope == "k1"
    assert queue.claim("w2", kinds=["pr-check"]) is None
    assert queue.complete(job.id, {"ok": True}, "w")
    assert queue.get(job.id).result == {"ok": True}
    assert not queue.cancel(job.id)  # final stays final
    assert [j.id for j in queue.list("queued")] == [other]
    with pytest.raises(KeyError):
        queue.get(10**9)


def test_claims_are_atomic_across_connections(make: Factory) -> None:
    ids = {make().enqueue("t", {"n": n}) for n in range(60)}
    claimed: list[int] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        queue = make()  # its own connections, like another process
        while (job := queue.claim(name)) is not None:
            with lock:
                claimed.append(job.id)
            assert queue.complete(job.id, {}, name)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(ids)


def test_heartbeat_renews_the_lease_and_only_expired_jobs_are_reclaimed(make: Factory, location: str) -> None:
    queue = make(lease=30.0)
    job_id = queue.enqueue("t", {})
    job = queue.claim("alive")
    assert job is not None and job.lease_until is not None
    assert queue.heartbeat(job_id, "alive")
    renewed = queue.get(job_id).lease_until
    assert renewed is not None and renewed >= job.lease_until
    # a restarted webhook or another worker: the live worker's job is not taken
    assert queue.requeue_expired() == 0
    assert make(lease=30.0).claim("other") is None
    restarted = WebhookService(SECRET, location, workers=1, lease=30.0)
    restarted.start_workers()
    restarted.close()
    again = queue.get(job_id)
    assert again.state == "running" and again.worker == "alive" and again.attempts == 1


def test_a_worker_that_lost_its_lease_cannot_finish(make: Factory) -> None:
    stalled = make(lease=0.0)  # every lease it takes is already over
    job_id = stalled.enqueue("t", {})
    assert stalled.claim("stalled") is not None
    taken = make(lease=30.0).claim("rescuer")
    assert taken is not None and taken.id == job_id and taken.attempts == 2
    assert not stalled.heartbeat(job_id, "stalled")
    assert not stalled.complete(job_id, {"late": True}, "stalled")
    assert stalled.complete(job_id, {"ok": True}, "rescuer")
    assert stalled.get(job_id).result == {"ok": True}


def test_a_job_that_keeps_killing_workers_fails(make: Factory) -> None:
    queue = make(lease=0.0, max_attempts=2)
    job_id = queue.enqueue("t", {})
    assert queue.claim("w1") is not None
    assert queue.claim("w2") is not None
    assert queue.claim("w3") is None
    job = queue.get(job_id)
    assert job.state == "failed" and "abandoned 2 times" in (job.error or "")


def test_requeue_abandoned_takes_only_the_dead_workers_jobs(make: Factory) -> None:
    queue = make()
    a, b = queue.enqueue("t", {}), queue.enqueue("t", {})
    assert queue.claim("dead") is not None and queue.claim("alive") is not None
    assert queue.requeue_abandoned(["dead"]) == 1
    assert queue.get(a).state == "queued" and queue.get(b).state == "running"


def test_a_delivery_is_recorded_once(make: Factory) -> None:
    queue, other = make(), make()
    job = queue.record_delivery("d-1", "pull_request", ("pr-check", {"n": 1}, "acme#1@abc"))
    assert job is not None and job > 0
    assert other.record_delivery("d-1", "pull_request", ("pr-check", {"n": 1}, "acme#1@abc")) is None
    # another delivery for the same head SHA shares the job; a ping has none
    assert other.record_delivery("d-2", "pull_request", ("pr-check", {"n": 1}, "acme#1@abc")) == job
    assert queue.record_delivery("d-3", "ping", None) == 0
    assert queue.record_delivery("d-3", "ping", None) is None
    assert len(queue.list()) == 1


def test_effects_are_posted_once_per_job_key(make: Factory) -> None:
    queue = make()
    posts: list[str] = []
    job_id = queue.enqueue("t", {}, key="acme#1@abc")
    ctx = handlers.QueueContext(job_id, "t", queue, scope="acme#1@abc")
    assert ctx.once("check-run", lambda: posts.append("a") or {"id": 1}) == {"id": 1}
    assert ctx.once("check-run", lambda: posts.append("b") or {"id": 2}) == {"id": 1}
    assert posts == ["a"]
    # a run cut off between posting and recording left it pending: reconcile decides
    queue.begin_effect("acme#1@abc", "review")
    assert ctx.once("review", lambda: posts.append("c") or {}, lambda: {"found": True}) == {"found": True}
    queue.begin_effect("acme#1@abc", "other")
    assert ctx.once("other", lambda: posts.append("d") or {"posted": 1}, lambda: None) == {"posted": 1}
    assert posts == ["a", "d"]


def test_execute_records_the_result_and_effects_survive_a_rerun(make: Factory) -> None:
    queue = make()
    posts: list[int] = []

    def job(payload: dict[str, object], ctx: handlers.JobContext) -> dict[str, object]:
        return ctx.once("post", lambda: posts.append(ctx.job_id) or {"n": len(posts)})

    handlers.register("once-test", job)
    try:
        job_id = queue.enqueue("once-test", {}, key="k")
        claimed = queue.claim("w", ["once-test"])
        assert claimed is not None
        assert execute(queue, claimed).result == {"n": 1}
        # the same job run again (as after a crash before `complete`) posts nothing
        rerun = handlers.QueueContext(job_id, "once-test", queue, scope="k")
        assert job({}, rerun) == {"n": 1} and posts == [job_id]
    finally:
        handlers.unregister("once-test")


def test_stats_count_states_and_latency(make: Factory) -> None:
    queue = make()
    for n in range(3):
        queue.enqueue("t", {"n": n})
    job = queue.claim("w")
    assert job is not None and queue.fail(job.id, "boom", "w")
    stats = queue.stats(buckets=(1e9,))
    assert stats.states["queued"] == 2 and stats.states["failed"] == 1
    assert stats.buckets == [(1e9, 1)] and stats.latency_count == 1 and stats.latency_sum >= 0


def test_a_stalled_worker_that_lost_its_lease_is_cancelled_and_records_nothing(make: Factory) -> None:
    started, stopped = threading.Event(), threading.Event()

    def slow(payload: dict[str, object], ctx: handlers.JobContext) -> dict[str, object]:
        started.set()
        for _ in range(3000):  # until the heartbeat finds the lease gone (safety net: 30 s)
            if ctx.cancelled():
                stopped.set()
                raise handlers.Cancelled("lease lost")
            threading.Event().wait(0.01)
        return {"by": "stalled"}

    handlers.register("slow-test", slow)
    try:
        stalled = make(lease=0.2)
        job_id = stalled.enqueue("slow-test", {})
        claimed = stalled.claim("stalled", ["slow-test"])
        assert claimed is not None
        # heart-beating far less often than the lease lasts: the job is taken over meanwhile
        result: list[object] = []
        runner = threading.Thread(target=lambda: result.append(execute(stalled, claimed, beat=3.0)))
        runner.start()
        assert started.wait(30)
        rescuer = make(lease=30.0)
        for _ in range(3000):
            taken = rescuer.claim("rescuer", ["slow-test"])
            if taken is not None:
                break
            threading.Event().wait(0.01)
        assert taken is not None and taken.id == job_id
        runner.join(60)
        assert stopped.is_set()
        assert rescuer.complete(job_id, {"by": "rescuer"}, "rescuer")
        assert rescuer.get(job_id).result == {"by": "rescuer"}
    finally:
        handlers.unregister("slow-test")
