"""Sandbox escape tests, for every isolation mode that can be selected: each mode either
runs a hostile test and every attempt fails, or refuses to run at all.

The hostile test (run by pytest inside the sandbox, through the same path as `codie
test`) tries to read /etc/shadow, list the host's home and ~/.ssh, write to the host's
home, write into the original project and connect to a port this test listens on at
127.0.0.1. It fails, naming the attempt, when one succeeds; the host side checks the
traces as well (files, a sentinel in the home folder, an accepted connection).

Modes: bubblewrap (the default), bubblewrap unavailable (simulated with PATH: refusal),
isolation "none" asked for by a job (refusal) or on the command line (a loud warning;
there, as a control, the same test does detect the escapes), and docker (podman).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from codie.cli.main import main
from codie.runtime.runner import RunReport
from codie.runtime.service import handle_payload, run_for
from codie.sandbox import SandboxError, choose
from codie.sandbox.base import Limits
from codie.sandbox.process import probe

from .conftest import write_project
from .test_docker_backend import engine  # noqa: F401  (the podman fixture)

HOSTILE = """\
import json, os, socket

with open(os.path.join(os.path.dirname(__file__), "targets.json")) as fh:
    T = json.load(fh)


def attempt(action):
    try:
        value = action()
    except OSError as exc:
        return "refused: " + type(exc).__name__
    return "SUCCEEDED: " + repr(value)[:200]


def write(path):
    with open(path, "w") as fh:
        fh.write("escaped")
    return path


def test_escape():
    outcomes = {
        "read /etc/shadow": attempt(lambda: open("/etc/shadow").read()[:20]),
        "list ~/.ssh": attempt(lambda: os.listdir(os.path.join(T["home"], ".ssh"))),
        "see the home sentinel": attempt(lambda: os.stat(T["sentinel"]).st_size),
        "write to $HOME": attempt(lambda: write(T["home_file"])),
        "write into the project": attempt(lambda: write(T["project_file"])),
        "connect to the host": attempt(
            lambda: socket.create_connection(("127.0.0.1", T["port"]), timeout=3).close()),
    }
    escaped = sorted(k for k, v in outcomes.items() if v.startswith("SUCCEEDED"))
    assert not escaped, json.dumps(outcomes)
"""
LIMITS = Limits(wall_seconds=120, test_seconds=60, memory_mb=512)
NODE = "test_hostile.py::test_escape"


class Host:
    """The host-side traps: paths that must stay untouched, a listener nobody may reach."""

    def __init__(self, root: Path) -> None:
        token = uuid.uuid4().hex[:12]
        self.home = Path.home()
        self.sentinel = self.home / f".codie-escape-sentinel-{token}"
        self.home_file = self.home / f"codie-escape-{token}.txt"
        self.project_file = root / f"escaped-{token}.txt"
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.accepted: list[object] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self.stop.is_set():
            with contextlib.suppress(OSError):
                conn, _ = self.listener.accept()
                self.accepted.append(conn)

    def targets(self) -> dict[str, object]:
        return {
            "home": str(self.home),
            "sentinel": str(self.sentinel),
            "home_file": str(self.home_file),
            "project_file": str(self.project_file),
            "port": self.listener.getsockname()[1],
        }

    def traces(self) -> list[str]:
        found = [str(p) for p in (self.home_file, self.project_file) if p.exists()]
        return found + (["a connection to the host"] if self.accepted else [])

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.listener.close()
        for path in (self.sentinel, self.home_file, self.project_file):
            path.unlink(missing_ok=True)


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[tuple[Path, Host]]:
    root = write_project(tmp_path / "proj", {"test_hostile.py": HOSTILE})
    host = Host(root)
    host.sentinel.write_text("host secret")
    (root / "targets.json").write_text(json.dumps(host.targets()))
    host.thread.start()
    try:
        yield root, host
    finally:
        host.close()


def outcome(report: RunReport) -> dict[str, object]:
    [test] = [t for t in report.tests if t["nodeid"] == NODE] or [None]
    assert test is not None, (report.error, report.errors)
    return test


@pytest.fixture
def no_bwrap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A PATH where bubblewrap is not found (the machine may well have it)."""
    bin_dir = tmp_path / "bin-without-bwrap"
    bin_dir.mkdir()
    for tool in ("python3", "sh", "true"):
        if (found := shutil.which(tool)) is not None:
            (bin_dir / tool).symlink_to(found)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    assert probe()[0] is None


# bubblewrap (the default) ---------------------------------------------------------------
def test_bwrap_holds(hostile: tuple[Path, Host], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mode, why = probe()
    if mode is None:
        pytest.skip(f"bubblewrap unavailable ({why}): `make sandbox-deps`; the refusal is tested below")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    root, host = hostile
    report = run_for(root, [root / "test_hostile.py"], backend="auto", limits=LIMITS, db=tmp_path / "h.db")
    assert report.backend == "process" and "bwrap" in " ".join(report.run["isolation"])
    test = outcome(report)
    assert test["outcome"] == "passed", test.get("failure")
    assert host.traces() == []


# bubblewrap unavailable: refusal, saying how to get isolation ---------------------------
@pytest.mark.usefixtures("no_bwrap")
def test_without_bwrap_the_sandbox_refuses(
    hostile: tuple[Path, Host], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, host = hostile
    for backend in ("auto", "process"):
        with pytest.raises(SandboxError, match="install bubblewrap") as refused:
            run_for(root, [root / "test_hostile.py"], backend=backend, limits=LIMITS, db=tmp_path / "h.db")
        assert "--backend docker" in str(refused.value)
    code = main(["test", str(root / "test_hostile.py"), "--db", str(tmp_path / "h.db")])
    err = capsys.readouterr().err
    assert code == 2
    assert "refusing to run tests without isolation" in err and "bubblewrap" in err
    assert "docker" in err and "--isolation none" in err
    job = handle_payload({"root": str(root), "targets": [str(root / "test_hostile.py")], "db": str(tmp_path / "h.db")})
    assert job["tests"] == [] and "install bubblewrap" in job["error"]
    assert host.traces() == []


# isolation "none": never for a job; on the command line, loudly -------------------------
def test_isolation_none_is_refused_for_jobs(hostile: tuple[Path, Host], tmp_path: Path) -> None:
    root, host = hostile
    job = handle_payload(
        {
            "root": str(root),
            "targets": [str(root / "test_hostile.py")],
            "isolation": "none",
            "backend": "process",
            "db": str(tmp_path / "h.db"),
        }
    )
    assert job["tests"] == [] and "always runs isolated" in job["error"]
    assert host.traces() == []


def test_isolation_none_on_the_command_line_warns_and_is_detected(
    hostile: tuple[Path, Host], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: unisolated, the same hostile test does get out, and says so."""
    root, host = hostile
    assert choose("process", isolation="none").why.endswith("NOT sandboxed")
    with pytest.raises(SandboxError):
        choose("docker", isolation="none")
    code = main(
        [
            "test",
            str(root / "test_hostile.py"),
            "--isolation",
            "none",
            "--format",
            "json",
            "--db",
            str(tmp_path / "h.db"),
        ]
    )
    captured = capsys.readouterr()
    assert "WARNING: --isolation none" in captured.err and "WITHOUT a sandbox" in captured.err
    data = json.loads(captured.out)
    [test] = [t for t in data["tests"] if t["nodeid"] == NODE]
    assert code == 1 and test["outcome"] == "failed"
    assert "SUCCEEDED" in test["failure"]["message"]
    assert "connect to the host" in test["failure"]["message"]
    assert host.traces()  # the escape left its traces (cleaned up by the fixture)


def test_isolation_none_is_never_the_default() -> None:
    from codie.cli.main import build_parser

    args = build_parser().parse_args(["test"])
    assert args.isolation == "auto"


# docker (podman's Docker API) -----------------------------------------------------------
def test_docker_holds(
    engine: tuple[str, str],
    hostile: tuple[Path, Host],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, image = engine
    monkeypatch.setenv("DOCKER_HOST", url)
    root, host = hostile
    report = run_for(
        root, [root / "test_hostile.py"], backend="docker", image=image, limits=LIMITS, db=tmp_path / "h.db"
    )
    assert report.backend == "docker"
    test = outcome(report)
    assert test["outcome"] == "passed", test.get("failure")
    assert host.traces() == []


def test_every_selectable_mode_is_covered() -> None:
    """A new isolation mode or backend needs its escape test here."""
    from codie.sandbox.process import ISOLATIONS

    assert set(ISOLATIONS) == {"auto", "bwrap", "none"}
