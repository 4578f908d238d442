"""Sandbox backends behind one interface (base.Sandbox): "process" and "docker".

`choose(name)` returns a backend and says why it was chosen: "auto" takes docker when an
engine answers and has the image, else the process backend.
"""

from __future__ import annotations

import os

from codie.sandbox.base import Limits, RunResult, Sandbox, SandboxError

__all__ = ["Limits", "RunResult", "Sandbox", "SandboxError", "choose"]


def choose(name: str = "auto", *, image: str | None = None,
           python: str | None = None) -> Sandbox:
    """A ready backend; SandboxError when an explicitly requested one cannot run."""
    from codie.sandbox.process import ProcessSandbox

    name = name or os.environ.get("CODIE_SANDBOX", "auto")
    if name == "process":
        return ProcessSandbox(python=python)
    if name not in ("docker", "auto"):
        raise SandboxError(f"unknown sandbox backend {name!r}; expected auto, process or docker")
    from codie.sandbox.docker import DockerSandbox

    try:
        return DockerSandbox(image=image)
    except SandboxError as exc:
        if name == "docker":
            raise
        fallback = ProcessSandbox(python=python)
        fallback.why = f"{exc}; {fallback.why}"
        return fallback
