"""The style model's training as background-worker jobs.

Handlers take (payload, ctx) and return a JSON-able dict, as codie.worker.handlers
expects; they run in the worker process. They register themselves when the worker is
installed (import this module from the worker's handler list):

- "style.train"  payload {"root": folder, "db": path?}: train the workspace, store it;
- "style.update" payload {"path": file, "db": path?}: a file was saved or deleted.

The LSP server runs the same functions in its thread pool until it delegates to the worker.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol

from codie.analyzers.style.training import train_workspace, update_file


class Context(Protocol):
    def progress(self, fraction: float, message: str = "") -> None: ...

    def check_cancelled(self) -> None: ...


def train(payload: dict[str, Any], ctx: Context) -> dict[str, Any]:
    root = Path(str(payload["root"]))

    def on_file(done: int, total: int) -> None:
        ctx.check_cancelled()
        if total and done % 25 == 0:
            ctx.progress(done / total, f"learning the style of {done}/{total} files")

    summary = train_workspace(root, payload.get("db"), on_file=on_file)
    ctx.progress(1.0, f"learned from {summary.files} files")
    return asdict(summary)


def update(payload: dict[str, Any], ctx: Context) -> dict[str, Any]:
    ctx.check_cancelled()
    return {"changed": update_file(Path(str(payload["path"])), payload.get("db"))}


JOBS = {"style.train": train, "style.update": update}

try:  # the worker is optional: without it these are plain functions
    from codie.worker import handlers as _handlers  # type: ignore[import-not-found,unused-ignore]
except ImportError:
    pass
else:
    for _kind, _fn in JOBS.items():
        _handlers.register(_kind, _fn)
