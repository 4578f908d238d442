"""The registry of job handlers: `register(kind, fn)` with fn(payload, ctx) -> dict.

A handler reports progress with `ctx.progress(fraction, message)` and should poll
`ctx.cancelled()` (or call `ctx.check_cancelled()`, which raises Cancelled) between steps.
Handlers run in the worker process, never in the LSP server.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


class Cancelled(Exception):
    """Raised by ctx.check_cancelled() when the job was cancelled."""


class JobContext(Protocol):
    job_id: int
    kind: str

    def progress(self, fraction: float, message: str = "") -> None: ...

    def cancelled(self) -> bool: ...

    def check_cancelled(self) -> None: ...

    def once(
        self,
        name: str,
        post: Callable[[], dict[str, Any]],
        reconcile: Callable[[], dict[str, Any] | None] | None = None,
    ) -> dict[str, Any]: ...


Handler = Callable[[dict[str, Any], JobContext], dict[str, Any]]

_HANDLERS: dict[str, Handler] = {}

# Modules the worker process imports so that their handlers register (one line each);
# more can be named in $CODIE_WORKER_HANDLERS (comma-separated).
MODULES = (
    "codie.runtime.handler",
    "codie.pr.job",
    "codie.pr.conversation",
    "codie.llm.jobs",
    "codie.analyzers.style.jobs",
)

log = logging.getLogger(__name__)


def load_modules() -> list[str]:
    """Import MODULES and $CODIE_WORKER_HANDLERS; returns the problems (never raises)."""
    names = list(MODULES)
    names += [n.strip() for n in os.environ.get("CODIE_WORKER_HANDLERS", "").split(",") if n.strip()]
    problems = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:
            log.warning("cannot load job handlers from %s: %s", name, exc)
            problems.append(f"{name}: {exc}")
    return problems


def register(kind: str, fn: Handler) -> Handler:
    """Register fn for jobs of `kind`: register("pr-check", run_pr_check). The last
    registration of a kind wins. See handler() for the decorator form."""
    _HANDLERS[kind] = fn
    return fn


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Decorator form: @handler("pr-check")."""

    def decorate(fn: Handler) -> Handler:
        return register(kind, fn)

    return decorate


def get(kind: str) -> Handler | None:
    return _HANDLERS.get(kind)


def kinds() -> list[str]:
    return sorted(_HANDLERS)


def unregister(kind: str) -> None:
    _HANDLERS.pop(kind, None)


@dataclass
class QueueContext:
    """The JobContext a worker hands to a handler, backed by the JobQueue."""

    job_id: int
    kind: str
    queue: Any  # JobQueue (Any to avoid an import cycle)
    on_progress: Callable[[int, float, str], None] | None = None
    # set when the job is cancelled while running (handlers may wait on it)
    cancel_event: threading.Event = field(default_factory=threading.Event)
    scope: str = ""  # what effects are recorded under (Job.scope); "" means job:<id>

    def progress(self, fraction: float, message: str = "") -> None:
        self.queue.progress(self.job_id, fraction, message)
        if self.on_progress is not None:
            self.on_progress(self.job_id, fraction, message)

    def cancelled(self) -> bool:
        if self.cancel_event.is_set():
            return True
        if self.queue.is_cancelled(self.job_id):
            self.cancel_event.set()
            return True
        return False

    def check_cancelled(self) -> None:
        if self.cancelled():
            raise Cancelled(f"job {self.job_id} was cancelled")

    def once(
        self,
        name: str,
        post: Callable[[], dict[str, Any]],
        reconcile: Callable[[], dict[str, Any] | None] | None = None,
    ) -> dict[str, Any]:
        """Post to the outside world at most once per job key: `post()` runs unless an
        earlier run of this job recorded it; its result is recorded and returned. A run that
        crashed mid-post left it "pending": then `reconcile()` (look the effect up where it
        was posted; None when it is not there) decides, else `post` runs again (so it
        should itself be an upsert)."""
        scope = self.scope or f"job:{self.job_id}"
        seen = self.queue.effect(scope, name)
        if seen is not None and seen.state == "done":
            return dict(seen.result or {})
        if seen is not None and reconcile is not None:
            found = reconcile()
            if found is not None:
                self.queue.finish_effect(scope, name, found)
                return found
        self.queue.begin_effect(scope, name)
        result = post()
        self.queue.finish_effect(scope, name, result)
        return result
