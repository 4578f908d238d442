"""The docker backend against a real engine (Podman's Docker API on a private socket).

Skipped, with the reason, where no engine can be started: `make test-docker` installs
podman and runc first. DOCKER_HOST (with CODIE_IMAGE) points the tests at another engine.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from codie.sandbox import choose
from codie.sandbox.base import Limits, SandboxError
from codie.sandbox.docker import DockerSandbox

from .conftest import write_project
from .engine import EngineUnavailable, ensure_image, start_podman
from .test_sandbox import WRITE_RESULT, output, tree_digest


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    if os.environ.get("DOCKER_HOST") and os.environ.get("CODIE_IMAGE"):
        yield os.environ["DOCKER_HOST"], os.environ["CODIE_IMAGE"]
        return
    proc: subprocess.Popen[bytes] | None = None
    try:
        url, proc = start_podman(tmp_path_factory.mktemp("engine"))
        image = ensure_image()
    except EngineUnavailable as exc:
        if proc is not None:
            proc.kill()
        pytest.skip(f"no container engine: {exc}")
    try:
        yield url, image
    finally:
        proc.terminate()
        proc.wait(20)


@pytest.fixture
def sandbox(engine: tuple[str, str]) -> DockerSandbox:
    url, image = engine
    return DockerSandbox(image=image, base_url=url)


LIMITS = Limits(wall_seconds=60, memory_mb=256, max_procs=64)


def run(sandbox: DockerSandbox, root: Path, source: str, *args: str, limits: Limits = LIMITS) -> dict[str, object]:
    (root / "script.py").write_text(WRITE_RESULT + source)
    result = sandbox.run(root, ["script.py", *args], limits, {})
    return output(result)


def test_runs_tests_and_reports_itself(sandbox: DockerSandbox, tmp_path: Path) -> None:
    from codie.runtime.runner import run_tests

    root = write_project(
        tmp_path / "p",
        {
            "calc.py": "def add(a, b):\n    return a - b\n",
            "test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(2, 3) == 5\n",
        },
    )
    before = tree_digest(root)
    report = run_tests(root, sandbox, edited=[root / "calc.py"])
    assert report.backend == "docker" and "Docker Engine API" in report.why
    assert [t["outcome"] for t in report.tests] == ["failed"], report.error
    assert report.tests[0]["failure"]["line"] == 4
    assert report.run["maxrss_kb"] > 0
    assert tree_digest(root) == before


def test_no_network(sandbox: DockerSandbox, tmp_path: Path) -> None:
    listener = socket.create_server(("0.0.0.0", 0))
    port = listener.getsockname()[1]
    try:
        host_ip = socket.gethostbyname(socket.gethostname())
        data = run(
            sandbox,
            write_project(tmp_path / "p", {}),
            """
import socket, sys
errors = []
for host in sys.argv[2:]:
    try:
        socket.create_connection((host, int(sys.argv[1])), timeout=3)
    except OSError as exc:
        errors.append(type(exc).__name__)
report(errors=errors)
""",
            str(port),
            "127.0.0.1",
            host_ip,
        )
    finally:
        listener.close()
    assert len(data["errors"]) == 2  # type: ignore[arg-type]


def test_read_only_everywhere_but_tmp(sandbox: DockerSandbox, tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"data.txt": "keep\n"})
    before = tree_digest(root)
    data = run(
        sandbox,
        root,
        """
outcomes = {}
for target in ["data.txt", "/etc/x", "/usr/x", "/tmp/x"]:
    try:
        open(target, "w").write("x")
        outcomes[target] = "written"
    except OSError as exc:
        outcomes[target] = type(exc).__name__
report(**outcomes)
""",
    )
    assert data["/tmp/x"] == "written"  # the tmpfs
    assert [k for k, v in data.items() if v == "written" and k != "/tmp/x"] == []
    before["script.py"] = tree_digest(root)["script.py"]
    assert tree_digest(root) == before


def test_memory_limit(sandbox: DockerSandbox, tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {})
    data = run(
        sandbox,
        root,
        """
try:
    block = bytearray(600 * 1024 * 1024)
    report(allocated=True)
except MemoryError:
    report(allocated=False)
""",
    )
    assert data == {"allocated": False}


def test_auto_prefers_an_answering_engine(engine: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    url, image = engine
    monkeypatch.setenv("DOCKER_HOST", url)
    assert choose("auto", image=image).name == "docker"
    fallback = choose("auto", image="localhost/no-such-image:0")
    assert fallback.name == "process" and "not on the engine" in fallback.why
    with pytest.raises(SandboxError, match="not on the engine"):
        choose("docker", image="localhost/no-such-image:0")


def test_unreachable_engine_falls_back(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/none.sock")
    backend = choose("auto")
    assert backend.name == "process" and "no Docker engine answered" in backend.why


def test_json_bundle_is_all_stdout(sandbox: DockerSandbox, tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {})
    data = run(sandbox, root, "print('{noise'); report(ok=True)\n")
    assert data == {"ok": True}  # the program's own stdout cannot corrupt the report


def test_per_test_timeout_in_a_container(sandbox: DockerSandbox, tmp_path: Path) -> None:
    from codie.runtime.runner import run_tests

    root = write_project(
        tmp_path / "p",
        {
            "test_hangs.py": (
                "import time\n\n\ndef test_first():\n    pass\n\n\n"
                "def test_hangs():\n    time.sleep(600)\n\n\ndef test_last():\n    pass\n"
            )
        },
    )
    report = run_tests(
        root, sandbox, paths=[root / "test_hangs.py"], limits=Limits(wall_seconds=120, test_seconds=2, memory_mb=256)
    )
    outcomes = {t["nodeid"].split("::")[1]: (t["outcome"], bool(t.get("timed_out"))) for t in report.tests}
    assert outcomes == {
        "test_first": ("passed", False),
        "test_hangs": ("failed", True),
        "test_last": ("passed", False),
    }, report.error
