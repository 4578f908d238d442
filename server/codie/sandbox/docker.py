from __future__ import annotations

from codie.sandbox.base import SandboxError


class DockerSandbox:
    name = "docker"

    def __init__(self, image: str | None = None) -> None:
        raise SandboxError("docker backend not implemented yet")
