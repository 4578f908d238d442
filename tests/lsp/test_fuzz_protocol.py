"""Fuzzing the server as a JSON-RPC peer (seeded, bounded): it keeps answering.

1. Malformed JSON-RPC with valid framing: random JSON, wrong types for every field, real
   methods with mangled params. Every request (an object with a valid id and a method) gets
   a response, and the server still answers afterwards.
2. Random bytes, in separate processes: a framing error must end the process non-zero
   (so the editor restarts it), never leave it hanging.
3. Random edit sequences (valid framing; random ranges, multi-byte text, line breaks of
   every kind), sent as bursts: the diagnostics end equal to those of a fresh document
   holding the final text, in every position encoding.
"""

from __future__ import annotations

import json
import queue
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_lsp import LanguageClient

from tests.core.reference import apply
from tests.lsp.helpers import change, edit, open_doc, wait_for
from tests.lsp.raw_client import RawServer

SEED = 20261206
MESSAGES = 250
BYTE_RUNS = 4
EDITS = 80

REQUESTS = (
    "textDocument/hover",
    "textDocument/codeAction",
    "textDocument/codeLens",
    "textDocument/diagnostic",
    "textDocument/prepareCallHierarchy",
    "textDocument/completion",
    "codie/serverState",
    "no/such/method",
)
NOTIFICATIONS = (
    "textDocument/didOpen",
    "textDocument/didChange",
    "textDocument/didClose",
    "textDocument/didSave",
    "$/cancelRequest",
    "$/setTrace",
    "workspace/didChangeConfiguration",
    "no/such/notification",
)
PIECES = (
    "x",
    "é",
    "😋",
    "ü̈",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "    ",
    "\x0c",
    "\u2028",
    "'",
    '"',
    "#",
    "def f(",
    "):\n",
    "return eval(q)\n",
    "try:\n",
    "except:\n pass\n",
    "(",
    "[",
    "import os\n",
    "𝔘",
    "",
)


def random_json(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["null", "bool", "int", "float", "str"] + (["list", "dict"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "null":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        return rng.choice([0, -1, 1, 2**31, -(2**40), rng.randint(-5, 10**6)])
    if kind == "float":
        return rng.choice([0.5, -1e300, 1e308])
    if kind == "str":
        return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 4)))
    if kind == "list":
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = ["uri", "line", "character", "textDocument", "position", "range", "id", "text", "x"]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def mangle(rng: random.Random, value: Any) -> Any:
    """The value with one leaf (or a whole subtree) replaced by something random."""
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(list(value))
        if rng.random() < 0.2:
            return {k: v for k, v in value.items() if k != key}
        return {**value, key: mangle(rng, value[key])}
    return random_json(rng)


def valid_params(uri: str) -> dict[str, Any]:
    return {
        "textDocument": {"uri": uri, "version": 2, "text": "x = 1\n", "languageId": "python"},
        "position": {"line": 0, "character": 1},
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}},
        "context": {"diagnostics": []},
        "contentChanges": [{"text": "y = 2\n"}],
    }


def fuzz_message(rng: random.Random, n: int, uri: str) -> tuple[bytes, Any]:
    """One body and the id a response must carry (None when none is owed)."""
    roll = rng.random()
    msg_id: Any = rng.choice([n, f"s{n}"])
    if roll < 0.1:  # not JSON
        body = rng.choice(
            [b'{"jsonrpc": "2.0", "id": 1, "method":', b"\xff\xfe\x00", b"{]", b"nul", b'"unterminated', b"[" * 5000]
        )
        return body, None
    if roll < 0.25:  # any JSON at all
        return json.dumps(random_json(rng)).encode(), None
    message: dict[str, Any] = {"jsonrpc": "2.0"}
    if roll < 0.65:
        message["id"] = msg_id
        message["method"] = rng.choice(REQUESTS)
    else:
        message["method"] = rng.choice(NOTIFICATIONS)
    params = valid_params(uri)
    message["params"] = mangle(rng, params) if rng.random() < 0.8 else params
    if rng.random() < 0.15:  # a field of the wrong type, or missing
        key = rng.choice(["jsonrpc", "id", "method", "params"])
        if rng.random() < 0.5:
            message.pop(key, None)
        else:
            message[key] = random_json(rng)
    owed = message.get("id") if "method" in message else None
    if isinstance(owed, bool) or not isinstance(owed, (int, str)):
        owed = None
    return json.dumps(message).encode(), owed


@pytest.fixture
def raw(tmp_path: Path) -> Iterator[RawServer]:
    server = RawServer(tmp_path)
    yield server
    server.close()


def test_malformed_json_rpc_is_answered_and_the_server_keeps_answering(raw: RawServer, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    raw.initialize(tmp_path)
    uri = (tmp_path / "fuzz.py").as_uri()
    raw.open(uri, "def f(a):\n    return eval(a)\n")
    owed: set[Any] = set()
    for n in range(MESSAGES):
        body, msg_id = fuzz_message(rng, 1000 + n, uri)
        raw.send_body(body)
        if msg_id is not None:
            owed.add(msg_id)
    raw.send(
        {
            "jsonrpc": "2.0",
            "id": "last",
            "method": "textDocument/hover",
            "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}},
        }
    )
    owed.add("last")
    answered: set[Any] = set()
    while owed - answered:
        try:
            msg = raw.next_message()
        except queue.Empty:
            msg = None
        assert msg is not None, f"no answer to {sorted(map(str, owed - answered))}"
        if isinstance(msg.get("id"), (int, str)):
            answered.add(msg["id"])
    assert raw.proc.poll() is None
    assert "result" in raw.request("codie/serverState", {})


@pytest.mark.parametrize("run", range(BYTE_RUNS))
def test_random_bytes_end_the_process_non_zero(tmp_path: Path, run: int) -> None:
    rng = random.Random(SEED + run)
    server = RawServer(tmp_path)
    try:
        if run % 2:
            server.initialize(tmp_path)  # garbage in the middle of a session, or at its start
        noise = bytes(rng.randrange(256) for _ in range(rng.randint(1, 3000)))
        if run == 3:  # a valid header, then a body of noise and the end of input
            noise = b"Content-Length: %d\r\n\r\n" % (len(noise) + 10) + noise
        server.send_bytes(noise)
        assert server.proc.stdin is not None
        server.proc.stdin.close()  # whatever it waits for, it will not come
        assert server.wait_exit() != 0
    finally:
        server.close()


def snapshot(client: LanguageClient, uri: str) -> list[tuple[str, int, int, int, int]]:
    return sorted(
        (str(d.code), d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
        for d in client.diagnostics.get(uri, [])
    )


async def test_random_edit_bursts_never_diverge(encoding_client: LanguageClient, tmp_path: Path) -> None:
    client = encoding_client
    encoding = str(client.codie_capabilities.position_encoding or "utf-16")  # type: ignore[attr-defined]
    rng = random.Random(SEED)
    text = "import os\n\ndef f(a):\n    return eval(a)\n\ntry:\n    x = '😋'\nexcept:\n    pass\n"
    uri = open_doc(client, tmp_path / "edited.py", text)
    for _ in range(EDITS):
        lines = text.count("\n") + 1
        sl = rng.randint(0, lines + 1)
        el = sl + rng.choice([0, 0, 0, 1, 2])
        sc, ec = rng.randint(0, 12), rng.randint(0, 12)
        if el == sl and ec < sc:
            sc, ec = ec, sc
        new = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 3)))
        change(client, uri, [edit(sl, sc, el, ec, new)])
        text = apply(text, (sl, sc), (el, ec), new, encoding)
    fresh = open_doc(client, tmp_path / "fresh.py", text)
    await wait_for(lambda: fresh in client.diagnostics, timeout=60)
    await wait_for(
        lambda: snapshot(client, uri) == snapshot(client, fresh),
        timeout=60,
        describe=lambda: (snapshot(client, uri), snapshot(client, fresh)),
    )
