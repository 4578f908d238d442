"""`codie serve --tcp HOST:PORT` speaks LSP over a socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from lspclient import read_message, write_message
from tests.waiting import TIMEOUT, wait_until

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_over_tcp() -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "server")}
    server = subprocess.Popen([sys.executable, "-m", "codie", "serve", "--tcp", f"127.0.0.1:{port}"], env=env)
    try:

        def connected() -> socket.socket | None:
            try:
                return socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
            except OSError:
                return None  # not listening yet

        sock = wait_until(connected, "the server to listen")
        with sock, sock.makefile("rwb") as stream:
            write_message(
                stream,
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {"processId": None, "rootUri": None, "capabilities": {}},
                },
            )
            answer = read_message(stream)
        assert answer["id"] == 1 and answer["result"]["serverInfo"]["name"] == "codie"
    finally:
        server.kill()
        server.wait()


def test_bad_tcp_address_is_a_usage_error() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "server")}
    done = subprocess.run(
        [sys.executable, "-m", "codie", "serve", "--tcp", "nowhere"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "HOST:PORT" in done.stderr
