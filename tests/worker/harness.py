"""Processes and a recorder for the queue's kill/restart tests and bench/queue_bench.py:
a real `codie webhook`, real `codie worker --standalone` processes, signed deliveries over
loopback HTTP, and a loopback recorder standing in for GitHub (what the jobs posted)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from tests.pr.helpers import SECRET, encode, signed

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = "tests.worker.queue_handlers"


class Recorder:
    """POST /post {"key"} records a post; GET /posted?key= finds it (404 when absent)."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with recorder.lock:
                    record = {**body, "id": len(recorder.posts) + 1}
                    recorder.posts.append(record)
                self._send(201, record)

            def do_GET(self) -> None:
                key = parse_qs(urlsplit(self.path).query).get("key", [""])[0]
                with recorder.lock:
                    found = [p for p in recorder.posts if p["key"] == key]
                self._send(200, found[0]) if found else self._send(404, {"message": "Not Found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(str(p["key"]) for p in self.posts)

    def __enter__(self) -> Recorder:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def environment(recorder: Recorder, tmp: Path, **extra: str) -> dict[str, str]:
    marks = tmp / "marks"
    marks.mkdir(exist_ok=True)
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CODIE_WORKER_HANDLERS": HANDLERS,
        "CODIE_TEST_RECORDER": recorder.url,
        "CODIE_TEST_MARKS": str(marks),
        "CODIE_WEBHOOK_SECRET": SECRET.decode(),
        **extra,
    }


class Proc:
    """A codie process whose output goes to a log file (read it when a test fails)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.out = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "codie", *args], env=env, stdout=self.out, stderr=subprocess.STDOUT, cwd=log.parent
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self.out.close()

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)
        self.out.close()


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = 300.0, every: float = 0.1) -> Any:
    """Poll until predicate() is truthy; the deadline is only a safety net."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


def start_webhook(db: str, env: dict[str, str], log: Path, lease: float) -> tuple[Proc, str]:
    """`codie webhook` on a free loopback port (no embedded workers); returns its URL."""
    proc = Proc(
        ["webhook", "--host", "127.0.0.1", "--port", "0", "--db", db, "--workers", "0", "--lease", str(lease)], env, log
    )

    def listening() -> str | None:
        if not proc.alive():
            raise AssertionError(f"webhook exited: {log.read_text(errors='replace')}")
        for line in log.read_text(errors="replace").splitlines()[::-1]:
            if "listening on http://" in line:
                return line.split("listening on ", 1)[1].rsplit("/webhook", 1)[0]
        return None

    return proc, str(wait_for(listening, "the webhook to listen", timeout=120))


def start_worker(db: str, env: dict[str, str], log: Path, lease: float) -> Proc:
    return Proc(["worker", "--standalone", "--db", db, "--lease", str(lease)], env, log)


def pr_event(number: int, sha: str) -> dict[str, Any]:
    clone = {"clone_url": "https://github.com/acme/shop.git", "full_name": "acme/shop"}
    return {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "head": {"sha": sha, "ref": f"pr-{number}", "repo": clone},
            "base": {"sha": "0" * 40, "ref": "main", "repo": clone},
        },
        "repository": clone,
    }


def sha_of(n: int) -> str:
    return f"{n:040x}"


async def post_all(url: str, deliveries: list[tuple[str, bytes]]) -> list[int]:
    """Post every (delivery id, body) at once; the statuses in order."""
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(delivery: str, body: bytes) -> int:
            async with session.post(url + "/webhook", data=body, headers=signed(body, delivery=delivery)) as r:
                await r.read()
                return r.status

        return list(await asyncio.gather(*(one(d, b) for d, b in deliveries)))


def deliveries(count: int) -> list[tuple[str, bytes]]:
    return [(f"delivery-{n}", encode(pr_event(n, sha_of(n)))) for n in range(1, count + 1)]
