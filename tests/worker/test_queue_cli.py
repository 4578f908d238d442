"""`codie worker` / `codie webhook` with a queue that cannot be opened: one clear line and
exit 2 - never a traceback, and never a folder named `postgresql:`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def codie(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "server"), "CODIE_WEBHOOK_SECRET": "s3cret"}
    return subprocess.run(
        [sys.executable, "-m", "codie", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("command", [["worker", "--standalone"], ["webhook", "--port", "0"]])
def test_an_unreachable_postgres_url_is_one_clear_error(command: list[str], tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    done = codie(*command, "--db", "postgresql://codie:hunter2@127.0.0.1:1/codie", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "cannot open the job queue at postgresql://codie:***@127.0.0.1:1/codie" in done.stderr
    assert "Traceback" not in done.stderr and "hunter2" not in done.stderr
    assert not (tmp_path / "postgresql:").exists()


@pytest.mark.parametrize(
    "command", [["worker", "--standalone"], ["webhook", "--port", "0", "--db", "webhook.db", "--workers", "0"]]
)
@pytest.mark.parametrize("lease", ["0", "-1", "nan"])
def test_a_bad_lease_is_a_usage_error(command: list[str], lease: str, tmp_path: Path) -> None:
    done = codie(*command, "--lease", lease, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "--lease must be a positive number of seconds" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "webhook.db").exists()  # refused before anything was opened


def test_a_queue_that_cannot_be_written_is_an_error_not_a_memory_queue(tmp_path: Path) -> None:
    """Unlike the other stores, the queue never falls back to memory: deliveries and jobs
    accepted there would be lost. (As root, file modes are enforced by dropping the
    capabilities that bypass them.)"""
    import shutil

    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: a read-only folder cannot be simulated")
        caps = "-dac_override,-dac_read_search,-fowner"
        prefix = [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}", "--"]
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "server")}
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "codie", "worker", "--standalone", "--db", str(folder / "queue.db")],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        folder.chmod(0o755)
    assert done.returncode == 2, done.stderr
    assert f"cannot open the job queue {folder / 'queue.db'}" in done.stderr
    assert "Traceback" not in done.stderr
