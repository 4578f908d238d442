"""Cold start: time from spawning `codie serve` to the first diagnostics of the first file.

Prints, per run, process start -> initialize answered -> first publishDiagnostics (with
findings) for a small Flask-like file opened right after `initialized`, and the import
time of the server's start path (`python -X importtime`). The issue's target is <= 1 s on
an idle machine; on a loaded one the figures are only comparable with each other.

    .venv/bin/python bench/first_diagnostics.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from lspclient import read_message, write_message

SOURCE = """import subprocess
from flask import request


def run():
    cmd = request.args["cmd"]
    return subprocess.call(cmd, shell=True)


def load(path):
    try:
        return open(path).read()
    except:
        return None
"""


send = write_message


def read(pipe: IO[bytes]) -> dict[str, Any]:
    msg = read_message(pipe)
    if msg is None:
        raise EOFError("codie serve closed its output")
    result: dict[str, Any] = msg
    return result


def one_run(root: Path) -> tuple[float, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "codie", "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=root,
    )
    assert proc.stdin is not None and proc.stdout is not None
    send(
        proc.stdin,
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "processId": None,
                "rootUri": root.as_uri(),
                "capabilities": {},
                "workspaceFolders": [{"uri": root.as_uri(), "name": "w"}],
            },
        },
    )
    initialized = 0.0
    uri = (root / "app.py").as_uri()
    while True:
        msg = read(proc.stdout)
        if msg.get("id") == 1 and "result" in msg:
            initialized = time.perf_counter() - t0
            send(proc.stdin, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
            send(
                proc.stdin,
                {
                    "jsonrpc": "2.0",
                    "method": "textDocument/didOpen",
                    "params": {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": SOURCE}},
                },
            )
        elif "id" in msg and "method" in msg:  # a request to the client: answer it
            result: Any = None
            if msg["method"] == "workspace/configuration":
                result = [{} for _ in msg["params"]["items"]]
            send(proc.stdin, {"jsonrpc": "2.0", "id": msg["id"], "result": result})
        elif (
            msg.get("method") == "textDocument/publishDiagnostics"
            and msg["params"]["uri"] == uri
            and msg["params"]["diagnostics"]
        ):
            first = time.perf_counter() - t0
            break
    send(proc.stdin, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
    send(proc.stdin, {"jsonrpc": "2.0", "method": "exit"})
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    return initialized, first


def import_time() -> float:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import codie.lsp.server, codie.lsp.features"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    total = 0
    for line in out.splitlines():
        parts = line.split("|")
        # top-level modules only (nested ones are indented), cumulative microseconds
        if len(parts) == 3 and not parts[2].startswith("  ") and parts[1].strip().isdigit():
            total += int(parts[1])
    return total / 1e6


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "app.py").write_text(SOURCE)
        runs = [one_run(root) for _ in range(args.runs)]
    for i, (init, first) in enumerate(runs, 1):
        print(f"run {i}: initialize answered {init * 1000:.0f} ms, first diagnostics {first * 1000:.0f} ms")
    print(
        f"median first diagnostics: {statistics.median(f for _, f in runs) * 1000:.0f} ms "
        f"(target <= 1000 ms on an idle machine)"
    )
    print(f"server start-path imports (codie.lsp.server + features): {import_time():.2f} s")


if __name__ == "__main__":
    main()
