"""A job handler for the worker-process tests: it logs its start and end in a file and
waits for a release file, so a test can kill the worker in the middle of it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from codie.worker import handlers


def sleepy(payload: dict[str, Any], ctx: handlers.JobContext) -> dict[str, Any]:
    log = Path(payload["log"])
    with log.open("a") as fh:
        fh.write(f"start {ctx.job_id}\n")
    ctx.progress(0.5, "waiting")
    deadline = time.monotonic() + 30
    while not Path(payload["release"]).exists() and time.monotonic() < deadline:
        ctx.check_cancelled()
        time.sleep(0.05)
    with log.open("a") as fh:
        fh.write(f"done {ctx.job_id}\n")
    return {"slept": True}


handlers.register("sleepy", sleepy)
