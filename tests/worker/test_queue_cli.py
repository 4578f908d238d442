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
    return subprocess.run([sys.executable, "-m", "codie", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", [["worker", "--standalone"], ["webhook", "--port", "0"]])
def test_an_unreachable_postgres_url_is_one_clear_error(command: list[str], tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    done = codie(*command, "--db", "postgresql://codie:hunter2@127.0.0.1:1/codie", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "cannot open the job queue at postgresql://codie:***@127.0.0.1:1/codie" in done.stderr
    assert "Traceback" not in done.stderr and "hunter2" not in done.stderr
    assert not (tmp_path / "postgresql:").exists()


def test_a_bad_lease_is_a_usage_error(tmp_path: Path) -> None:
    done = codie("worker", "--standalone", "--lease", "0", cwd=tmp_path)
    assert done.returncode == 2 and "--lease" in done.stderr and "Traceback" not in done.stderr
