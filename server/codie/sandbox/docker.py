"""The docker backend: the Docker Engine API (Docker, or Podman's compatible socket).

The container gets: a read-only root filesystem, no network, memory/CPU/pids limits, the
engine's default seccomp profile, all capabilities dropped, no-new-privileges, an
unprivileged user, a tmpfs /tmp, and exactly one host mount: a read-only copy of the
project (with the harness, the plugin and a vendored pytest under .codie-run). The image
only needs python3 (>= 3.10, for the vendored pytest); set it with --image/CODIE_IMAGE.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from codie.sandbox.base import (
    RUN_DIR,
    WALL_GRACE_S,
    Limits,
    RunResult,
    SandboxError,
    copy_project,
    harness_source,
)

DEFAULT_IMAGE = "python:3.11-slim"
INNER_ROOT = "/sandbox/project"
OUT = "/tmp/codie-out"
VENDORED = ("pytest", "_pytest", "pluggy", "iniconfig", "packaging", "pygments", "py")
USER = "65534:65534"  # nobody


def engine_url() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


class DockerSandbox:
    name = "docker"

    def __init__(self, image: str | None = None, base_url: str | None = None) -> None:
        try:
            import docker
        except ImportError as exc:
            raise SandboxError("the docker SDK is not installed (pip install docker)") from exc
        self.image = image or os.environ.get("CODIE_IMAGE") or DEFAULT_IMAGE
        self.url = base_url or engine_url()
        try:
            self.client = docker.DockerClient(base_url=self.url, timeout=30)
            version = self.client.version().get("Version", "?")
        except Exception as exc:
            raise SandboxError(f"no Docker engine answered at {self.url}") from exc
        try:
            self.client.images.get(self.image)
        except Exception as exc:
            raise SandboxError(
                f"image {self.image!r} is not on the engine at {self.url}; pull or build it, or pass --image"
            ) from exc
        self.why = f"Docker Engine API {version} at {self.url}, image {self.image}"
        self.isolation: list[str] = []

    def run(
        self,
        project: Path,
        args: list[str],
        limits: Limits,
        files: dict[str, bytes],
        cancel: threading.Event | None = None,
    ) -> RunResult:
        result = RunResult(
            self.name,
            ["container: read-only root, network none, caps dropped, default seccomp, user nobody"],
            None,
            inner_root=INNER_ROOT,
        )
        tmp = Path(tempfile.mkdtemp(prefix="codie-docker-"))
        try:
            copy = tmp / "project"
            copy_project(project, copy)
            self._prepare(copy, args, limits, files)
            self._run_container(copy, limits, result, cancel)
        except SandboxError as exc:
            result.error = str(exc)
        except Exception as exc:  # engine errors of every kind: report, never crash
            result.error = f"docker run failed: {exc}"
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.isolation = result.isolation
        return result

    def _prepare(self, copy: Path, args: list[str], limits: Limits, files: dict[str, bytes]) -> None:
        run_dir = copy / RUN_DIR
        run_dir.mkdir()
        (run_dir / "harness.py").write_bytes(harness_source())
        for name, data in files.items():
            (run_dir / name).write_bytes(data)
        vendor(run_dir / "site")
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": "/tmp",
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "CODIE_OUT": OUT,
            "CODIE_RUN": f"{INNER_ROOT}/{RUN_DIR}",
            "TMPDIR": "/tmp",
            "PYTHONPATH": f"{INNER_ROOT}/{RUN_DIR}/site",
        }
        config = {
            "argv": ["{python}", *args],
            "outdir": OUT,
            "bundle_fd": 1,
            "limits": limits.harness() | {"max_procs": 0},
            "uid": None,
            "env": env,
            "wall_seconds": limits.wall_seconds,
        }
        (run_dir / "config.json").write_text(json.dumps(config))
        for path in [copy, *copy.rglob("*")]:  # readable by the container's nobody
            path.chmod(0o755 if path.is_dir() else 0o644)

    def _run_container(self, copy: Path, limits: Limits, result: RunResult, cancel: threading.Event | None) -> None:
        from docker.types import Ulimit

        container = self.client.containers.run(
            self.image,
            ["python3", "-I", "-S", f"{INNER_ROOT}/{RUN_DIR}/harness.py", f"{INNER_ROOT}/{RUN_DIR}/config.json"],
            detach=True,
            working_dir=INNER_ROOT,
            user=USER,
            volumes={str(copy): {"bind": INNER_ROOT, "mode": "ro"}},
            network_mode="none",
            read_only=True,
            tmpfs={"/tmp": "rw,size=256m,mode=1777"},
            mem_limit=f"{limits.memory_mb}m",
            memswap_limit=f"{limits.memory_mb}m",
            nano_cpus=10**9,
            pids_limit=limits.max_procs,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            ulimits=[
                Ulimit(name="nofile", soft=limits.max_files, hard=limits.max_files),
                Ulimit(name="nproc", soft=4096, hard=4096),
            ],
            labels={"codie.sandbox": "1"},
        )
        try:
            status = self._wait(container, limits, result, cancel)
            logs: bytes = container.logs(stdout=True, stderr=False)
            errors: bytes = container.logs(stdout=False, stderr=True)
        finally:
            container.remove(force=True)
        bundle = logs.decode("utf-8", "replace").strip()
        if bundle:
            result.absorb_bundle(bundle[bundle.find("{") :])
        if result.timed_out:
            result.error = f"timed out after {limits.wall_seconds:g} s; container killed"
        elif result.cancelled:
            result.error = "cancelled; container killed"
        elif not bundle:
            code = status.get("StatusCode") if status else None
            oom = " (out of memory)" if code == 137 else ""
            result.error = (
                f"the container ended without a report (exit {code}{oom}): {errors.decode('utf-8', 'replace')[-1500:]}"
            )

    def _wait(
        self, container: Any, limits: Limits, result: RunResult, cancel: threading.Event | None
    ) -> dict[str, Any] | None:
        deadline = time.monotonic() + limits.wall_seconds + WALL_GRACE_S
        while True:
            try:
                status: dict[str, Any] = container.wait(timeout=0.5)
                return status
            except Exception:  # requests' ReadTimeout / ConnectionError: still running
                pass
            if cancel is not None and cancel.is_set():
                result.cancelled = True
            elif time.monotonic() >= deadline:
                result.timed_out = True
            else:
                continue
            with contextlib.suppress(Exception):  # already gone
                container.kill()
            return None


def vendor(dest: Path) -> None:
    """Copy pytest and its pure-Python dependencies so any image with python3 can test."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in VENDORED:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        if spec.submodule_search_locations:
            shutil.copytree(origin.parent, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(origin, dest / origin.name)
