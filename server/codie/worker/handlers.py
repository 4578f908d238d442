"""The registry of job handlers: `register(kind, fn)` with fn(payload, ctx) -> dict.

A handler reports progress with `ctx.progress(fraction, message)` and should poll
`ctx.cancelled()` (or call `ctx.check_cancelled()`, which raises Cancelled) between steps.
Handlers run in the worker process, never in the LSP server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class Cancelled(Exception):
    """Raised by ctx.check_cancelled() when the job was cancelled."""


class JobContext(Protocol):
    job_id: int
    kind: str

    def progress(self, fraction: float, message: str = "") -> None: ...

    def cancelled(self) -> bool: ...

    def check_cancelled(self) -> None: ...


Handler = Callable[[dict[str, Any], JobContext], dict[str, Any]]

_HANDLERS: dict[str, Handler] = {}


def register(kind: str, fn: Handler) -> Handler:
    """Register fn for jobs of `kind` (the last registration wins). Usable as a decorator
    through functools.partial or directly: register("pr-check", run_pr_check)."""
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

    def progress(self, fraction: float, message: str = "") -> None:
        self.queue.progress(self.job_id, fraction, message)
        if self.on_progress is not None:
            self.on_progress(self.job_id, fraction, message)

    def cancelled(self) -> bool:
        return bool(self.queue.is_cancelled(self.job_id))

    def check_cancelled(self) -> None:
        if self.cancelled():
            raise Cancelled(f"job {self.job_id} was cancelled")
