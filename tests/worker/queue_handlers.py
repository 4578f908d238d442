"""A "pr-check" stand-in for the queue tests and bench: it posts one record per head SHA to
a loopback recorder (as the real job posts a check run to GitHub), through ctx.once with a
reconcile that looks the record up - so a crash at any point never posts twice.

Loaded last by `codie worker` / `codie webhook` ($CODIE_WORKER_HANDLERS), so it replaces the
real pr-check. Settings come from the environment:
- CODIE_TEST_RECORDER: the recorder's base URL (required);
- CODIE_TEST_WORK: seconds of "analysis" per job (default 0.05);
- CODIE_TEST_CRASH: comma-separated head SHAs whose first run kills its own process with
  SIGKILL at CODIE_TEST_CRASH_AT: "before-post" (the post is marked pending, nothing sent),
  "after-post" (the default: sent, not yet recorded) or "after-record" (recorded, the job
  not yet completed);
- CODIE_TEST_MARKS: folder where those first runs leave a mark (so the re-run does not crash);
- CODIE_TEST_HOLD: comma-separated head SHAs whose job waits until the file
  CODIE_TEST_RELEASE exists (a job held by a live worker for as long as a test needs).
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from codie.worker import handlers


def _call(method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any] | None:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return dict(json.loads(response.read()))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def fake_pr_check(payload: dict[str, Any], ctx: handlers.JobContext) -> dict[str, Any]:
    base = os.environ["CODIE_TEST_RECORDER"]
    sha = str(payload["head_sha"])
    ctx.progress(0.2, "analysing")
    deadline = time.monotonic() + float(os.environ.get("CODIE_TEST_WORK", "0.05"))
    while time.monotonic() < deadline:
        ctx.check_cancelled()
        time.sleep(0.01)
    if sha in os.environ.get("CODIE_TEST_HOLD", "").split(","):
        release = Path(os.environ["CODIE_TEST_RELEASE"])
        held_until = time.monotonic() + 300  # safety net only
        while not release.exists() and time.monotonic() < held_until:
            ctx.check_cancelled()
            time.sleep(0.02)
    crash = sha in os.environ.get("CODIE_TEST_CRASH", "").split(",")
    at = os.environ.get("CODIE_TEST_CRASH_AT", "after-post")

    def maybe_crash(step: str) -> None:
        mark = Path(os.environ.get("CODIE_TEST_MARKS", "/nonexistent")) / sha
        if crash and step == at and not mark.exists():
            mark.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)

    def post() -> dict[str, Any]:
        maybe_crash("before-post")
        answer = _call("POST", f"{base}/post", {"key": sha, "job": ctx.job_id, "pid": os.getpid()})
        maybe_crash("after-post")
        return answer or {}

    def reconcile() -> dict[str, Any] | None:
        return _call("GET", f"{base}/posted?key={sha}")

    record = ctx.once("post", post, reconcile)
    maybe_crash("after-record")
    return {"sha": sha, "record": record.get("id")}


handlers.register("pr-check", fake_pr_check)
