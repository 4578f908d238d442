"""The real "pr-check" and "pr-reply" jobs, with a SIGKILL at one step of one of their
effects, for tests/pr/test_jobs_killed.py.

Loaded last by `codie worker` ($CODIE_WORKER_HANDLERS), so it replaces the registrations of
codie.pr.job and codie.pr.conversation with the same handlers seen through a context that
kills its own process (the first time only: a mark file is left in CODIE_TEST_MARKS) when
the effect CODIE_TEST_CRASH_EFFECT ("check-run", "review", "reply", "dismiss",
"suggestion") reaches CODIE_TEST_CRASH_AT:
"before-post" (marked pending, nothing sent), "after-post" (sent, not recorded) or
"after-record" (recorded, the job not completed).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codie.pr import conversation, job
from codie.worker import handlers


class Crashing:
    def __init__(self, ctx: handlers.JobContext) -> None:
        self.ctx = ctx

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ctx, name)

    def once(
        self,
        name: str,
        post: Callable[[], dict[str, Any]],
        reconcile: Callable[[], dict[str, Any] | None] | None = None,
    ) -> dict[str, Any]:
        def maybe_crash(step: str) -> None:
            mark = Path(os.environ["CODIE_TEST_MARKS"]) / "crashed"
            wanted = (os.environ.get("CODIE_TEST_CRASH_EFFECT"), os.environ.get("CODIE_TEST_CRASH_AT"))
            if (name, step) == wanted and not mark.exists():
                mark.write_text(str(os.getpid()))
                os.kill(os.getpid(), signal.SIGKILL)

        def crashing_post() -> dict[str, Any]:
            maybe_crash("before-post")
            answer = post()
            maybe_crash("after-post")
            return answer

        result: dict[str, Any] = self.ctx.once(name, crashing_post, reconcile)
        maybe_crash("after-record")
        return result


def crashing_reply(payload: dict[str, Any], ctx: handlers.JobContext) -> dict[str, Any]:
    answer: dict[str, Any] = conversation.run_pr_reply(payload, Crashing(ctx))
    return answer


def crashing_check(payload: dict[str, Any], ctx: handlers.JobContext) -> dict[str, Any]:
    answer: dict[str, Any] = job.run_pr_check(payload, Crashing(ctx))
    return answer


handlers.register(conversation.JOB_KIND, crashing_reply)
handlers.register("pr-check", crashing_check)
