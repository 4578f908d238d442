"""The process sandbox holds: no network, no writes outside its copy, memory and process
limits, hung runs killed with all their children, the project never modified.

They need bubblewrap (`make sandbox-deps`); without it the backend refuses to run, which
test_escape.py asserts on every machine."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import uuid
from pathlib import Path

import pytest

from codie.sandbox.base import Limits, RunResult
from codie.sandbox.process import ProcessSandbox, probe

from .conftest import write_project

MODE, WHY = probe()
pytestmark = pytest.mark.skipif(
    MODE is None, reason=f"the process sandbox refuses: {WHY}; `make sandbox-deps` installs bubblewrap"
)
FAST = Limits(wall_seconds=20, cpu_seconds=20, memory_mb=512, max_procs=32)


def run_script(root: Path, source: str, *args: str, limits: Limits = FAST) -> RunResult:
    (root / "script.py").write_text(textwrap.dedent(source))
    return ProcessSandbox().run(root, ["script.py", *args], limits, {})


def output(result: RunResult) -> dict[str, object]:
    assert "result.json" in result.outputs, (result.error, result.stdout, result.stderr)
    data: dict[str, object] = json.loads(result.outputs["result.json"])
    return data


WRITE_RESULT = """
import json, os
def report(**data):
    with open(os.path.join(os.environ["CODIE_OUT"], "result.json"), "w") as fh:
        json.dump(data, fh)
"""


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def sandbox_uid(result: RunResult) -> int | None:
    for note in result.isolation:
        if match := re.fullmatch(r"throw-away uid (\d+)", note):
            return int(match.group(1))
    return None


def processes_of(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    found.append(int(entry))
            except OSError:
                pass
    return found


def test_backend_reports_itself(project: Path) -> None:
    result = run_script(project, WRITE_RESULT + "report(ok=True)")
    assert result.returncode == 0 and output(result) == {"ok": True}
    assert result.isolation[0] == f"isolation: {MODE}" and WHY
    assert result.maxrss_kb > 1000 and result.cpu_s > 0  # measured inside the boundary


def test_no_outbound_connection(project: Path) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    accepted: list[object] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            accepted.append(listener.accept())

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        port = listener.getsockname()[1]
        result = run_script(
            project,
            WRITE_RESULT
            + """
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
    report(connected=True)
except OSError as exc:
    report(connected=False, error=str(exc))
""",
            str(port),
        )
        data = output(result)
        assert data["connected"] is False, data
    finally:
        thread.join()
        listener.close()
    assert accepted == []


def test_no_write_outside_its_folder(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    token = uuid.uuid4().hex
    host_tmp = Path("/tmp") / f"codie-escape-{token}"
    result = run_script(
        project,
        WRITE_RESULT
        + """
import sys
outcomes = {}
for target in sys.argv[1:] + ["/etc/codie-escape", "/usr/codie-escape", "here.txt"]:
    try:
        with open(target, "w") as fh:
            fh.write("x")
        outcomes[target] = "written"
    except OSError as exc:
        outcomes[target] = type(exc).__name__
report(**outcomes)
""",
        str(outside),
        str(host_tmp),
    )
    data = output(result)
    assert data["here.txt"] == "written"  # its own copy is writable
    assert data["/etc/codie-escape"] != "written" and data["/usr/codie-escape"] != "written"
    assert not outside.exists() and not host_tmp.exists()
    assert not Path("/etc/codie-escape").exists()


def test_memory_limit_enforced(project: Path) -> None:
    limits = Limits(wall_seconds=20, memory_mb=200)
    result = run_script(
        project,
        WRITE_RESULT
        + """
try:
    block = bytearray(400 * 1024 * 1024)
    report(allocated=True)
except MemoryError:
    report(allocated=False)
""",
        limits=limits,
    )
    assert output(result) == {"allocated": False}
    assert result.maxrss_kb < 220 * 1024


def test_fork_bomb_contained(project: Path) -> None:
    token = uuid.uuid4().hex
    limits = Limits(wall_seconds=3, cpu_seconds=10, max_procs=24, memory_mb=256)
    result = run_script(
        project,
        """
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
""",
        token,
        limits=limits,
    )
    capped = [n for n in result.isolation if n.startswith(("throw-away uid", "pids cgroup"))]
    if not capped:
        pytest.skip(
            "neither a throw-away uid nor a pids cgroup here (needs root): RLIMIT_NPROC alone would count a whole user"
        )
    assert result.timed_out
    assert survivors(token) == []
    uid = sandbox_uid(result)
    if uid is not None:
        assert processes_of(uid) == []


def survivors(token: str) -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and token in Path(f"/proc/{entry}/cmdline").read_text():
                found.append(entry)
        except OSError:
            pass
    return found


def test_hung_test_killed_with_all_children(project: Path) -> None:
    token = uuid.uuid4().hex
    limits = Limits(wall_seconds=3)
    result = run_script(
        project,
        """
import os, subprocess, sys, time
# a child that leaves our process group and session, then the parent hangs
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", sys.argv[1]],
                 start_new_session=True)
time.sleep(600)
""",
        token,
        limits=limits,
    )
    assert result.timed_out and "killed" in (result.error or "")
    assert survivors(token) == []


def test_project_files_never_modified(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", {"pkg/mod.py": "X = 1\n", "data.txt": "keep\n"})
    before = tree_digest(root)
    result = run_script(
        root,
        WRITE_RESULT
        + """
import pathlib, sys
for path in pathlib.Path(".").rglob("*"):
    if path.is_file() and ".codie-run" not in path.parts:
        path.write_text("clobbered")
original = pathlib.Path(sys.argv[1])
try:
    (original / "data.txt").write_text("clobbered")
    report(original="written")
except OSError as exc:
    report(original=type(exc).__name__)
""",
        str(root),
    )
    assert output(result)["original"] != "written"
    before["script.py"] = tree_digest(root)["script.py"]  # written by this test itself
    assert tree_digest(root) == before


def test_leftovers_of_a_killed_worker_are_swept(tmp_path: Path) -> None:
    from codie.sandbox import process
    from codie.sandbox.cgroup import PidsCgroup

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folder = Path(tempfile.gettempdir()) / f"{process.TMP_PREFIX}{dead.pid}-left"
    (folder / "project").mkdir(parents=True)
    cgroup = PidsCgroup.create(8)
    if cgroup is not None:  # rename it as if the dead worker had made it
        stale = cgroup.path.with_name(f"codie-{dead.pid}-feed")
        cgroup.path.rename(stale)
    process._sweep_once.cache_clear()
    process._sweep_once()
    assert not folder.exists()
    if cgroup is not None:
        assert not stale.exists()
