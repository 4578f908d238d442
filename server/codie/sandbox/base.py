"""The sandbox interface shared by the backends (process, docker).

A backend runs a Python program against a throw-away copy of a project, inside limits,
and returns what the in-sandbox harness measured. The project itself is never touched.
"""

from __future__ import annotations

import json
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

RUN_DIR = ".codie-run"  # inside the copy: harness, config, plugins
SKIP_NAMES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".codie",
        "build",
        "dist",
        RUN_DIR,
    }
)
MAX_COPY_BYTES = 200 * 1024 * 1024
# The harness enforces Limits.wall_seconds itself and still reports; the backend's own
# deadline, this much later, is the backstop for a harness that cannot.
WALL_GRACE_S = 10.0


class SandboxError(Exception):
    """The sandbox could not be set up (not: the program inside failed)."""


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 1024
    cpu_seconds: int = 120
    wall_seconds: float = 180.0  # the whole run
    test_seconds: float = 60.0  # each test (codie's pytest plugin; 0: none)
    max_files: int = 256
    max_procs: int = 64
    max_file_mb: int = 256

    def harness(self) -> dict[str, int]:
        return {
            "memory_bytes": self.memory_mb * 1024 * 1024,
            "cpu_seconds": self.cpu_seconds,
            "max_files": self.max_files,
            "max_procs": self.max_procs,
            "max_file_bytes": self.max_file_mb * 1024 * 1024,
        }


@dataclass
class RunResult:
    backend: str
    isolation: list[str]
    returncode: int | None  # None: killed before the harness could report
    timed_out: bool = False
    cancelled: bool = False
    wall_s: float = 0.0
    user_s: float = 0.0
    sys_s: float = 0.0
    maxrss_kb: int = 0
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    inner_root: str = ""  # where the project copy was seen from inside
    error: str | None = None  # the sandbox itself failed

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s

    def to_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "isolation": self.isolation,
            "returncode": self.returncode,
            "timed_out": self.timed_out,
            "wall_s": round(self.wall_s, 4),
            "cpu_s": round(self.cpu_s, 4),
            "maxrss_kb": self.maxrss_kb,
            "error": self.error,
        }

    def absorb_bundle(self, text: str) -> None:
        """Fill in from the harness's JSON bundle; a missing one leaves an error."""
        try:
            bundle = json.loads(text)
        except ValueError:
            self.error = self.error or "the sandboxed run ended without a report (killed?)"
            return
        self.returncode = bundle.get("returncode")
        for name in ("wall_s", "user_s", "sys_s"):
            setattr(self, name, float(bundle.get(name, 0.0)))
        self.maxrss_kb = int(bundle.get("maxrss_kb", 0))
        self.stdout = bundle.get("stdout", "")
        self.stderr = bundle.get("stderr", "")
        self.outputs = dict(bundle.get("outputs", {}))
        self.timed_out = self.timed_out or bool(bundle.get("timed_out"))
        self.isolation.extend(bundle.get("notes", []))


class Sandbox(Protocol):
    name: str
    why: str  # why this backend was chosen, for the user
    isolation: list[str]  # what is enforced, e.g. ["network namespace", "rlimits"]

    def run(
        self,
        project: Path,
        args: list[str],
        limits: Limits,
        files: dict[str, bytes],
        cancel: threading.Event | None = None,
    ) -> RunResult:
        """Run `python ARGS` with the copy of `project` as working directory.

        `files` are written under RUN_DIR in the copy (plugins, data); what the program
        writes as *.json into $CODIE_OUT comes back in RunResult.outputs. Setting
        `cancel` kills the run.
        """
        ...


def copy_project(project: Path, dest: Path) -> None:
    """Copy the project's sources, skipping VCS folders, venvs and caches."""
    total = 0
    root = project.resolve()

    def ignore(folder: str, names: list[str]) -> set[str]:
        nonlocal total
        skipped = {n for n in names if n in SKIP_NAMES or n.endswith(".pyc")}
        # a link leading out of the project would be a door out of the copy
        skipped |= {
            n for n in names if Path(folder, n).is_symlink() and not Path(folder, n).resolve().is_relative_to(root)
        }
        for name in names:
            path = Path(folder, name)
            if name not in skipped and path.is_file() and not path.is_symlink():
                total += path.stat().st_size
        if total > MAX_COPY_BYTES:
            raise SandboxError(f"project larger than {MAX_COPY_BYTES >> 20} MB; not copied")
        return skipped

    shutil.copytree(project, dest, ignore=ignore, symlinks=True)


def harness_source() -> bytes:
    return (Path(__file__).parent / "harness.py").read_bytes()
