"""The "runtime-tests" job: run the tests related to edited files in the sandbox."""

from __future__ import annotations

from typing import Any

from codie.runtime.service import handle_payload
from codie.worker import handlers

KIND = "runtime-tests"


def run_job(payload: dict[str, Any], ctx: handlers.JobContext) -> dict[str, Any]:
    cancel = getattr(ctx, "cancel_event", None)
    return handle_payload(payload, ctx.progress, cancel)


handlers.register(KIND, run_job)
