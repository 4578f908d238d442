"""A client that speaks raw LSP bytes to `codie serve` over stdio (no pygls on this side),
for tests of the base protocol itself: framing, malformed JSON-RPC, exit codes."""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from lspclient import encode, frame, read_message

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0  # a safety net only: every wait returns as soon as the answer is there


class RawServer:
    def __init__(
        self,
        cwd: Path,
        args: tuple[str, ...] = ("serve",),
        env: dict[str, str] | None = None,
        command: list[str] | None = None,  # instead of `python -m codie args` (a test's own server)
    ) -> None:
        self.stderr_path = cwd / "server-stderr.log"
        self._stderr = self.stderr_path.open("wb")
        self.proc = subprocess.Popen(
            command or [sys.executable, "-m", "codie", *args],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env={**os.environ, "PYTHONPATH": str(ROOT / "server"), **(env or {})},
        )
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        threading.Thread(target=self._read, daemon=True).start()

    # wire ---------------------------------------------------------------------------------
    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        try:
            while (msg := read_message(out)) is not None:
                self.messages.put(msg)
        finally:
            self.messages.put(None)  # end of output

    def send_bytes(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except BrokenPipeError:  # the server already left (what some tests expect)
            pass

    def send_body(self, body: bytes) -> None:
        self.send_bytes(frame(body))

    def send(self, message: dict[str, Any]) -> None:
        self.send_bytes(encode(message))

    # JSON-RPC -----------------------------------------------------------------------------
    def next_message(self, timeout: float = TIMEOUT) -> dict[str, Any] | None:
        """The next message the server sent, answering its own requests on the way."""
        while True:
            msg = self.messages.get(timeout=timeout)
            if msg is None:
                return None
            if "method" in msg and "id" in msg:  # server -> client request: answer it
                result: Any = (
                    [{}] * len(msg.get("params", {}).get("items", []))
                    if (msg["method"] == "workspace/configuration")
                    else None
                )
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
                continue
            if "method" in msg:
                self.notifications.append(msg)
                continue
            return msg

    def response(self, msg_id: Any, timeout: float = TIMEOUT) -> dict[str, Any]:
        while True:
            msg = self.next_message(timeout)
            assert msg is not None, f"the server closed its output before answering {msg_id!r}"
            if msg.get("id") == msg_id:
                return msg

    def request(self, method: str, params: Any = None, *, send_params: bool = True) -> dict[str, Any]:
        msg_id = next(self._ids)
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if send_params:
            message["params"] = params
        self.send(message)
        return self.response(msg_id)

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def initialize(self, root: Path | None = None) -> dict[str, Any]:
        answer = self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": root.as_uri() if root else None,
                "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}}},
            },
        )
        self.notify("initialized", {})
        return answer

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}},
        )

    def hover(self, uri: str, line: int = 0, character: int = 0) -> dict[str, Any]:
        return self.request(
            "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}
        )

    def wait_exit(self, timeout: float = TIMEOUT) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
        # stdout is left to the reader thread (closing it under a blocked read deadlocks)
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        self._stderr.close()

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")
