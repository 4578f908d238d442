"""The `codie worker` process: msgpack frames on stdio, and jobs that survive a killed
worker (the next worker picks them up; a finished job is never run again)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from codie.worker.protocol import ProtocolError, encode, read_frame
from codie.worker.queue import JobQueue
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    def __init__(self, db: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "CODIE_WORKER_HANDLERS": "tests.worker.sleepy_handlers"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "codie", "worker", "--db", str(db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.hello = self.expect("hello")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while (message := read_frame(self.proc.stdout)) is not None:
            self.inbox.put(message)
        self.inbox.put(None)

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(encode(message))
        self.proc.stdin.flush()

    def expect(self, kind: str, timeout: float = 30) -> dict[str, Any]:
        """The next message of `kind`; a failed job or a silent worker fails the test."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.inbox.get(timeout=max(0.01, deadline - time.monotonic()))
            assert message is not None, f"worker ended before {kind!r}"
            if message["type"] == kind:
                return message
            assert message["type"] != "result" or message["state"] == "done", message

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(10)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {"db": tmp_path / "q.db", "log": tmp_path / "log.txt", "release": tmp_path / "release"}


def payload(files: dict[str, Path]) -> dict[str, str]:
    return {"log": str(files["log"]), "release": str(files["release"])}


def test_job_survives_a_killed_worker_and_never_runs_twice(files: dict[str, Path]) -> None:
    first = WorkerProcess(files["db"])
    assert "sleepy" in first.hello["kinds"]
    first.send({"type": "submit", "ref": 1, "kind": "sleepy", "payload": payload(files), "key": "job-1"})
    job_id = first.expect("submitted")["id"]
    assert first.expect("progress")["id"] == job_id
    first.expect("progress")  # "waiting": the handler is in the middle of the job
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(10)
    assert JobQueue(files["db"]).get(job_id).state == "running"  # orphaned

    files["release"].touch()
    second = WorkerProcess(files["db"])
    try:
        assert second.hello["recovered"] == 1
        result = second.expect("result")
        assert result["id"] == job_id and result["state"] == "done"
        assert result["result"] == {"slept": True}
        # the same key again: the finished job is answered, not run again
        second.send({"type": "submit", "ref": 2, "kind": "sleepy", "payload": payload(files), "key": "job-1"})
        assert second.expect("submitted")["id"] == job_id
        assert second.expect("result")["state"] == "done"
    finally:
        second.close()
    third = WorkerProcess(files["db"])
    third.send({"type": "watch", "ids": [job_id]})
    assert third.expect("result")["state"] == "done"
    third.close()
    lines = files["log"].read_text().splitlines()
    assert lines.count(f"start {job_id}") == 2  # killed once, resumed once
    assert lines.count(f"done {job_id}") == 1  # completed exactly once
    job = JobQueue(files["db"]).get(job_id)
    assert job.state == "done" and job.attempts == 2


def test_cancel_a_running_job(files: dict[str, Path]) -> None:
    worker = WorkerProcess(files["db"])
    try:
        worker.send({"type": "submit", "ref": 1, "kind": "sleepy", "payload": payload(files)})
        job_id = worker.expect("submitted")["id"]
        worker.expect("progress")
        worker.expect("progress")
        worker.send({"type": "cancel", "id": job_id})
        assert worker.expect("cancelled")["ok"] is True
        result = worker.expect("result")
        assert result["state"] == "cancelled"
        assert "done" not in files["log"].read_text()
    finally:
        worker.close()


def test_bad_messages_get_errors_not_crashes(files: dict[str, Path]) -> None:
    worker = WorkerProcess(files["db"])
    try:
        worker.send({"type": "nonsense"})
        assert "unknown" in worker.expect("error")["message"]
        worker.send({"type": "submit", "ref": 3})  # no kind
        assert worker.expect("error")["ref"] == 3
        worker.send({"type": "ping", "ref": 4})
        assert worker.expect("pong")["ref"] == 4
    finally:
        worker.close()
    assert worker.proc.returncode == 0


def test_frames_reject_garbage(tmp_path: Path) -> None:
    import io

    assert read_frame(io.BytesIO(encode({"type": "x", "n": 1}))) == {"type": "x", "n": 1}
    assert read_frame(io.BytesIO(b"")) is None
    with pytest.raises(ProtocolError):
        read_frame(io.BytesIO(b"\xff\xff\xff\xff"))
    with pytest.raises(ProtocolError):
        read_frame(io.BytesIO(encode({"no": "type"})))


def test_standalone_drains_the_queue(files: dict[str, Path]) -> None:
    queue = JobQueue(files["db"])
    job_id = queue.enqueue("sleepy", payload(files), key="pr-1")
    files["release"].touch()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CODIE_WORKER_HANDLERS": "tests.worker.sleepy_handlers"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "codie", "worker", "--standalone", "--db", str(files["db"])], env=env
    )
    try:
        wait_until(lambda: queue.get(job_id).final, "the job to finish")
        assert queue.get(job_id).state == "done"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)


def test_cancel_kills_a_running_sandbox(files: dict[str, Path], tmp_path: Path) -> None:
    token = f"hang{time.time_ns()}"
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname='p'\nversion='0'\n")
    (project / "test_hang.py").write_text(
        "import subprocess, sys\n\ndef test_hang():\n    subprocess.run([sys.executable, "
        f"'-c', 'import time; time.sleep(600)', '{token}'])\n"
    )
    worker = WorkerProcess(files["db"])
    try:
        worker.send(
            {
                "type": "submit",
                "ref": 1,
                "kind": "runtime-tests",
                "payload": {
                    "root": str(project),
                    "targets": [],
                    "backend": "process",
                    "db": str(tmp_path / "history.db"),
                },
            }
        )
        job_id = worker.expect("submitted")["id"]
        while worker.expect("progress")["fraction"] < 0.1:
            pass
        wait_until(lambda: running(token), "pytest inside the sandbox, in test_hang")
        worker.send({"type": "cancel", "id": job_id})
        # without the kill the result would wait for the sandbox's 180 s timeout
        result = worker.expect("result", timeout=20)
        assert result["state"] == "cancelled"
        assert not running(token)
    finally:
        worker.close()
    assert JobQueue(files["db"]).get(job_id).state == "cancelled"


def running(token: str) -> bool:
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and token in Path(f"/proc/{entry}/cmdline").read_text():
                return True
        except OSError:
            pass
    return False
