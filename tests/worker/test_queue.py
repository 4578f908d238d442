"""The persistent job queue: idempotent enqueue, atomic claims, leases, final states."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from codie.worker import handlers
from codie.worker.queue import JobQueue


@pytest.fixture
def queue(tmp_path: Path) -> JobQueue:
    return JobQueue(tmp_path / "codie.db")


def test_enqueue_with_key_is_idempotent(queue: JobQueue) -> None:
    first = queue.enqueue("pr-check", {"pr": 1}, key="pr-1@abc")
    again = queue.enqueue("pr-check", {"pr": 1}, key="pr-1@abc")
    other = queue.enqueue("pr-check", {"pr": 2}, key="pr-2@def")
    unkeyed = [queue.enqueue("test", {}), queue.enqueue("test", {})]
    assert first == again
    assert len({first, other, *unkeyed}) == 4
    assert len(queue.list()) == 4


def test_claim_complete_and_never_again(queue: JobQueue) -> None:
    job_id = queue.enqueue("test", {"paths": ["a.py"]})
    job = queue.claim("w1")
    assert job is not None and job.id == job_id
    assert job.state == "running" and job.attempts == 1 and job.payload == {"paths": ["a.py"]}
    assert queue.claim("w2") is None
    queue.progress(job_id, 0.5, "half")
    assert queue.get(job_id).progress == 0.5
    assert queue.complete(job_id, {"ok": True})
    done = queue.get(job_id)
    assert done.state == "done" and done.result == {"ok": True} and done.finished
    assert queue.requeue_expired() == 0
    assert queue.claim("w3") is None
    assert not queue.cancel(job_id)


def test_claim_filters_kinds(queue: JobQueue) -> None:
    queue.enqueue("a", {})
    b = queue.enqueue("b", {})
    claimed = queue.claim("w", kinds=["b"])
    assert claimed is not None and claimed.id == b
    assert queue.claim("w", kinds=[]) is None


def test_claims_are_atomic_across_threads(tmp_path: Path) -> None:
    path = tmp_path / "codie.db"
    JobQueue(path)
    ids = {JobQueue(path).enqueue("t", {"n": n}) for n in range(40)}
    claimed: list[int] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        q = JobQueue(path)  # separate connections, like separate processes
        while (job := q.claim(name)) is not None:
            with lock:
                claimed.append(job.id)
            q.complete(job.id, {})

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(ids)


def test_dead_worker_lease_expires(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path / "db", lease=0.0)
    job_id = queue.enqueue("t", {})
    assert queue.claim("dead") is not None
    again = queue.claim("alive")
    assert again is not None and again.id == job_id and again.attempts == 2
    assert again.worker == "alive"


def test_job_that_keeps_killing_workers_fails(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path / "db", lease=0.0, max_attempts=2)
    job_id = queue.enqueue("t", {})
    assert queue.claim("w1") is not None
    assert queue.claim("w2") is not None
    assert queue.claim("w3") is None
    job = queue.get(job_id)
    assert job.state == "failed" and "abandoned" in (job.error or "")


def test_requeue_abandoned_on_restart(queue: JobQueue) -> None:
    job_id = queue.enqueue("t", {})
    assert queue.claim("old") is not None
    assert queue.requeue_abandoned(["someone-else"]) == 0
    assert queue.requeue_abandoned(["old"]) == 1
    job = queue.claim("new")
    assert job is not None and job.id == job_id


def test_cancel_and_fail(queue: JobQueue) -> None:
    queued = queue.enqueue("t", {})
    assert queue.cancel(queued)
    assert queue.get(queued).state == "cancelled"
    assert queue.claim("w") is None
    running = queue.enqueue("t", {})
    assert queue.claim("w") is not None
    assert queue.cancel(running)
    assert queue.is_cancelled(running)
    assert not queue.complete(running, {"late": True})  # a cancelled job stays cancelled
    failing = queue.enqueue("t", {})
    assert queue.claim("w") is not None
    assert queue.fail(failing, "boom")
    assert queue.get(failing).error == "boom"
    assert [j.id for j in queue.list("failed")] == [failing]
    with pytest.raises(ValueError):
        queue.list("bogus")
    with pytest.raises(KeyError):
        queue.get(9999)


def test_persists_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "db"
    job_id = JobQueue(path).enqueue("t", {"x": 1}, key="k")
    reopened = JobQueue(path)
    assert reopened.get(job_id).payload == {"x": 1}
    assert reopened.enqueue("t", {"x": 2}, key="k") == job_id


def test_handler_registry_and_context(queue: JobQueue) -> None:
    seen: list[tuple[int, float, str]] = []

    @handlers.handler("echo-test")
    def echo(payload: dict[str, object], ctx: handlers.JobContext) -> dict[str, object]:
        ctx.progress(0.5, "halfway")
        return {"echo": payload}

    try:
        assert "echo-test" in handlers.kinds()
        job_id = queue.enqueue("echo-test", {"a": 1})
        ctx = handlers.QueueContext(job_id, "echo-test", queue, on_progress=lambda *a: seen.append(a))
        queue.claim("w")
        fn = handlers.get("echo-test")
        assert fn is not None
        assert fn({"a": 1}, ctx) == {"echo": {"a": 1}}
        assert seen == [(job_id, 0.5, "halfway")]
        assert not ctx.cancelled()
        queue.cancel(job_id)
        with pytest.raises(handlers.Cancelled):
            ctx.check_cancelled()
    finally:
        handlers.unregister("echo-test")
