"""PostgreSQL goes away under a running `codie worker --standalone` and comes back: the
worker says so once, keeps running, and takes new jobs when the server is back."""

from __future__ import annotations

from pathlib import Path

import pytest

from codie.worker.queues import open_queue
from tests.worker.harness import Recorder, environment, sha_of, start_worker, wait_for
from tests.worker.postgres import PostgresServer, binaries

LEASE = 4.0


@pytest.fixture
def own_server() -> PostgresServer:
    bindir = binaries()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql, or `make system-deps`)")
    pytest.importorskip("psycopg")
    server = PostgresServer(bindir)
    server.start()
    yield server  # type: ignore[misc]
    server.stop()


def job_for(n: int) -> dict[str, object]:
    return {"head_sha": sha_of(n), "repository": "acme/shop", "number": n}


def test_a_worker_outlives_a_database_outage(own_server: PostgresServer, tmp_path: Path) -> None:
    url = own_server.new_database()
    with Recorder() as recorder:
        env = environment(recorder, tmp_path, CODIE_TEST_WORK="0")
        log = tmp_path / "worker.log"
        worker = start_worker(url, env, log, LEASE)
        try:
            queue = open_queue(url, lease=LEASE)
            first = queue.enqueue("pr-check", job_for(1), key="k1")
            wait_for(lambda: queue.get(first).final, "the first job")
            queue.close()

            own_server.pause()
            wait_for(
                lambda: "job queue is unavailable" in log.read_text(errors="replace"),
                "the worker to notice the outage",
                timeout=120,
            )
            assert worker.alive()
            own_server.start()

            queue = open_queue(url, lease=LEASE)
            second = queue.enqueue("pr-check", job_for(2), key="k2")
            wait_for(lambda: queue.get(second).final, "the second job, after the outage", timeout=120)
            assert queue.get(second).state == "done" and worker.alive()
            assert "job queue is back" in log.read_text(errors="replace")
            text = log.read_text(errors="replace")
            assert text.count("job queue is unavailable") == 1 and "Traceback" not in text
            queue.close()
        finally:
            worker.stop()
        assert recorder.counts() == {sha_of(1): 1, sha_of(2): 1}
