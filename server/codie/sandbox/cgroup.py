"""A pids cgroup per sandboxed run (v1 or v2, when we may create one: usually as root).

It caps the number of processes whatever the uid (RLIMIT_NPROC does not bind root), and
it lists every process of the run, however it tried to leave the tree, for the final kill.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import time
from pathlib import Path

BASES = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))


class PidsCgroup:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.procs = str(path / "cgroup.procs")

    @classmethod
    def create(cls, limit: int) -> PidsCgroup | None:
        """A new cgroup capped at `limit` processes, or None where none can be made."""
        for base in BASES:
            if base.name != "pids":  # v2: the unified hierarchy must offer the controller
                controllers = base / "cgroup.subtree_control"
                try:
                    if "pids" not in controllers.read_text().split():
                        continue
                except OSError:
                    continue
            elif not (base / "cgroup.procs").exists():
                continue
            path = base / f"codie-{os.getpid()}-{secrets.token_hex(4)}"
            try:
                path.mkdir()
            except OSError:
                continue
            try:
                (path / "pids.max").write_text(str(limit))
            except OSError:
                with contextlib.suppress(OSError):
                    path.rmdir()
                continue
            return cls(path)
        return None

    def enter(self) -> None:
        """Called in the child before exec: move this process into the cgroup."""
        with open(self.procs, "w") as fh:
            fh.write(str(os.getpid()))

    def pids(self) -> list[int]:
        try:
            return [int(line) for line in Path(self.procs).read_text().split()]
        except (OSError, ValueError):
            return []

    def kill_all(self, timeout: float = 3.0) -> None:
        deadline = time.monotonic() + timeout
        while (pids := self.pids()) and time.monotonic() < deadline:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def remove(self) -> None:
        self.kill_all()
        with contextlib.suppress(OSError):
            self.path.rmdir()


def sweep_stale() -> int:
    """Remove the cgroups of runs whose worker died before cleaning up (SIGKILL)."""
    removed = 0
    for base in BASES:
        for path in base.glob("codie-*-*"):
            owner = path.name.split("-")[1]
            if owner.isdigit() and not pid_alive(int(owner)):
                PidsCgroup(path).remove()
                removed += 0 if path.exists() else 1
    return removed


def pid_alive(pid: int) -> bool:
    """True while a process with this pid exists (even one we may not signal)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
