"""A real PostgreSQL server for the tests: initdb into a temporary folder, pg_ctl start on
a free port of 127.0.0.1 (and a socket in that folder), stopped and removed afterwards.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user of
the Debian package (else `nobody`) through runuser. The binaries come from the OS package
(`apt-get install postgresql`, part of `make system-deps`); without them the tests that
need a server are skipped with that reason, unless CODIE_REQUIRE_POSTGRES=1 makes it an error.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def binaries() -> Path | None:
    """The folder with initdb and pg_ctl, newest version first."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and no unprivileged user to run PostgreSQL as")


class PostgresServer:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.user = _as_user()
        # not under pytest's tmp_path: that is private to root, and the server runs as another user
        self.dir = Path(tempfile.mkdtemp(prefix="codie-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.user is not None:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.dir)

    def start(self) -> None:
        """initdb (the first time) and start the server; again after pause() to resume."""
        if not (self.data / "PG_VERSION").exists():
            done = self._run(
                "initdb", "-D", str(self.data), "-U", "codie", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"
            )
            if done.returncode != 0:
                raise RuntimeError(f"initdb failed: {done.stderr or done.stdout}")
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        done = self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "120",
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "server.log"),
            "-o",
            options,
        )
        if done.returncode != 0:
            log = (self.dir / "server.log").read_text(errors="replace") if (self.dir / "server.log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stderr or done.stdout}\n{log}")

    def pause(self) -> None:
        """Stop the server, keeping its data (start() brings it back on the same port)."""
        done = self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl stop failed: {done.stderr or done.stdout}")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://codie@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database's URL (one per test: no state leaks between tests)."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    bindir = binaries()
    if bindir is None:
        reason = "PostgreSQL is not installed (apt-get install postgresql, or `make system-deps`)"
        if os.environ.get("CODIE_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[postgres]')")
    server = PostgresServer(bindir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    """A fresh database on the session's server."""
    return pg_server.new_database()
