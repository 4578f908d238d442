"""The server-side worker client: a worker that cannot start fails its jobs, not the server."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from codie.lsp import worker_client
from codie.lsp.worker_client import Pending, WorkerClient


async def test_a_worker_that_cannot_start_fails_its_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker_client, "RESTART_DELAYS", (0.01,))
    broken = [sys.executable, "-c", "import sys; print('no queue here', file=sys.stderr); sys.exit(3)"]
    client = WorkerClient(tmp_path / "q.db", argv=broken)
    done: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    await client.submit("runtime-tests", {}, Pending(on_result=done.set_result))
    result = await asyncio.wait_for(done, 30)
    assert result["state"] == "failed"
    assert "failed to start 5 times (exit 3)" in result["error"]
    assert "no queue here" in result["error"]
    await client.close()


async def test_submit_and_result_through_a_real_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("PYTHONPATH", str(root))
    monkeypatch.setenv("CODIE_WORKER_HANDLERS", "tests.worker.sleepy_handlers")
    (tmp_path / "release").touch()
    client = WorkerClient(tmp_path / "q.db")
    done: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    progress: list[float] = []
    await client.submit(
        "sleepy",
        {"log": str(tmp_path / "log"), "release": str(tmp_path / "release")},
        Pending(on_result=done.set_result, on_progress=lambda _id, f, _m: progress.append(f)),
    )
    result = await asyncio.wait_for(done, 30)
    assert result["state"] == "done" and result["result"] == {"slept": True}
    assert 0.5 in progress
    await client.close()
    assert client.pid is None
