"""Sandbox backends behind one interface (base.Sandbox): "process" and "docker".

`choose(name)` returns a backend and says why it was chosen: "auto" takes docker when an
engine answers and has the image, else the process backend with bubblewrap. Nothing falls
back to weaker isolation: without either, SandboxError says how to get one. Only an
explicit isolation="none" (`codie test --isolation none`, never the worker, the editor or
the webhook) runs the program unisolated.
"""

from __future__ import annotations

import os

from codie.sandbox.base import Limits, RunResult, Sandbox, SandboxError

__all__ = ["Limits", "RunResult", "Sandbox", "SandboxError", "choose"]


def choose(
    name: str = "auto", *, image: str | None = None, python: str | None = None, isolation: str = "auto"
) -> Sandbox:
    """A ready backend; SandboxError when none can isolate (or an explicit one cannot run)."""
    from codie.sandbox.process import ProcessSandbox

    name = name or os.environ.get("CODIE_SANDBOX", "auto")
    if isolation == "none":
        if name == "docker":
            raise SandboxError("--isolation none applies to the process backend, not docker")
        return ProcessSandbox(python=python, isolation="none")
    if name == "process":
        return ProcessSandbox(python=python, isolation=isolation)
    if name not in ("docker", "auto"):
        raise SandboxError(f"unknown sandbox backend {name!r}; expected auto, process or docker")
    from codie.sandbox.docker import DockerSandbox

    try:
        return DockerSandbox(image=image)
    except SandboxError as exc:
        if name == "docker":
            raise
        try:
            fallback = ProcessSandbox(python=python, isolation=isolation)
        except SandboxError as refused:
            raise SandboxError(f"no docker backend ({exc}); {refused}") from refused
        fallback.why = f"{exc}; {fallback.why}"
        return fallback
