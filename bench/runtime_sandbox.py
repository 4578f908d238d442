"""Print the sandbox's overhead per isolation mode: a trivial program and a small pytest run.

Usage: python bench/runtime_sandbox.py [--repeat N]. Figures are medians of N runs of
wall-clock time as seen by the caller (copy + start + run + teardown) and the CPU time and
peak RSS the in-sandbox harness measured. The docker backend is included when DOCKER_HOST
and CODIE_IMAGE point at an engine with the image.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from codie.runtime.runner import run_tests
from codie.sandbox.base import Limits, Sandbox, SandboxError
from codie.sandbox.process import ProcessSandbox, probe


def project(root: Path) -> Path:
    (root / "pyproject.toml").write_text("[project]\nname='b'\nversion='0'\n")
    (root / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (root / "test_calc.py").write_text(
        "from calc import add\n\n"
        + "".join(f"def test_{i}():\n    assert add({i}, 1) == {i + 1}\n\n" for i in range(20))
    )
    (root / "hello.py").write_text("print('hi')\n")
    return root


def measure(name: str, sandbox: Sandbox, root: Path, repeat: int) -> None:
    for label, action in (
        ("python hello.py", lambda: sandbox.run(root, ["hello.py"], Limits(), {})),
        ("pytest, 20 tests", lambda: run_tests(root, sandbox, paths=[root / "test_calc.py"])),
    ):
        walls, cpus, rss = [], [], []
        for _ in range(repeat):
            start = time.perf_counter()
            outcome = action()
            walls.append(time.perf_counter() - start)
            run = outcome.to_dict() if hasattr(outcome, "to_dict") else {}
            run = run.get("run", run)
            cpus.append(float(run.get("cpu_s", 0)))
            rss.append(int(run.get("maxrss_kb", 0)))
        print(
            f"{name:10} {label:18} wall {statistics.median(walls) * 1000:7.0f} ms   "
            f"cpu {statistics.median(cpus) * 1000:6.0f} ms   "
            f"peak RSS {statistics.median(rss) / 1024:6.1f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    mode, why = probe()
    print(f"detected isolation: {mode} ({why}); load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        root = project(Path(tmp))
        if mode is not None:
            measure(mode, ProcessSandbox(), root, args.repeat)
        # for comparison only: no isolation at all (never chosen without --isolation none)
        measure("none", ProcessSandbox(isolation="none"), root, args.repeat)
        if os.environ.get("DOCKER_HOST") and os.environ.get("CODIE_IMAGE"):
            from codie.sandbox.docker import DockerSandbox

            try:
                measure("docker", DockerSandbox(), root, args.repeat)
            except SandboxError as exc:
                print(f"docker: skipped ({exc})")


if __name__ == "__main__":
    main()
