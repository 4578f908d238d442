"""Edit-to-diagnostics latency of `codie serve` on a ~6,000-line real Python file.

Prints open-to-first-diagnostics, edit p50/p95/max (didChange -> publishDiagnostics for
that exact version), and the server's peak RSS (VmHWM). Targets on a 2-core machine:
p50 <= 10 ms, p95 <= 30 ms, open <= 300 ms, RSS <= 120 MB.

    .venv/bin/python bench/edit_latency.py [--edits 200] [--file PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path
from typing import Any

from lspclient import read_message, write_message

ROOT = Path(__file__).resolve().parents[1]


def stdlib_file(target_lines: int = 6000) -> str:
    """Concatenate real stdlib modules until ~target_lines lines."""
    lib = Path(sysconfig.get_paths()["stdlib"])
    parts, total = [], 0
    for name in ("inspect.py", "typing.py", "argparse.py", "pathlib.py"):
        text = (lib / name).read_text(encoding="utf-8")
        parts.append(text)
        total += text.count("\n")
        if total >= target_lines:
            break
    return "\n".join(parts)


class Client:
    def __init__(self, cmd: list[str]) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "server")}
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self.next_id = 0
        self.cond = threading.Condition()
        self.published: dict[int | None, float] = {}
        self.responses: dict[int, Any] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while (msg := read_message(out)) is not None:
            now = time.perf_counter()
            with self.cond:
                if msg.get("method") == "textDocument/publishDiagnostics":
                    self.published.setdefault(msg["params"].get("version"), now)
                elif msg.get("method") == "workspace/configuration":
                    self.send({"jsonrpc": "2.0", "id": msg["id"], "result": [{}]})
                elif "id" in msg and "method" not in msg:
                    self.responses[msg["id"]] = msg
                self.cond.notify_all()

    def send(self, msg: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        write_message(self.proc.stdin, msg)

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        rid = self.next_id
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        with self.cond:
            self.cond.wait_for(lambda: rid in self.responses, timeout=30)
        return self.responses.get(rid)

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_published(self, version: int, timeout: float = 10) -> float | None:
        with self.cond:
            self.cond.wait_for(lambda: version in self.published, timeout=timeout)
            return self.published.get(version)

    def peak_rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


def run(edits: int, path: Path | None) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8") if path else stdlib_file()
    lines = text.split("\n")
    uri = (path or Path("/tmp/codie-bench/large.py")).resolve().as_uri()
    client = Client([sys.executable, "-m", "codie", "serve"])
    t0 = time.perf_counter()
    client.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    client.notify("initialized", {})
    init_ms = (time.perf_counter() - t0) * 1000
    t_open = time.perf_counter()
    client.notify(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}
    )
    first = client.wait_published(1, timeout=60)
    open_ms = ((first or float("nan")) - t_open) * 1000
    # edit at top-level statement boundaries spread through the file, like a user typing
    # a new statement: insert a line, then delete it
    targets = [i for i, ln in enumerate(lines) if ln and not ln[0].isspace() and not ln.startswith(("#", ")"))]
    step = max(1, len(targets) // max(1, edits // 2))
    latencies = []
    version = 1
    for k, line_no in enumerate(targets[::step][: edits // 2]):
        for insert in (True, False):
            version += 1
            if insert:
                change = {
                    "range": {"start": {"line": line_no, "character": 0}, "end": {"line": line_no, "character": 0}},
                    "text": f"x_unused_{k} = eval(input())\n",
                }
            else:
                change = {
                    "range": {"start": {"line": line_no, "character": 0}, "end": {"line": line_no + 1, "character": 0}},
                    "text": "",
                }
            sent = time.perf_counter()
            client.notify(
                "textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}
            )
            got = client.wait_published(version)
            if got is not None:
                latencies.append((got - sent) * 1000)
            time.sleep(0.02)
    rss = client.peak_rss_mib()
    client.request("shutdown", None)
    client.notify("exit", None)
    client.proc.wait(timeout=10)
    latencies.sort()
    return {
        "lines": len(lines),
        "initialize_ms": round(init_ms, 1),
        "open_to_first_diagnostics_ms": round(open_ms, 1),
        "edits": len(latencies),
        "edit_p50_ms": round(statistics.median(latencies), 2),
        "edit_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
        "edit_max_ms": round(latencies[-1], 2),
        "peak_rss_mib": round(rss, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--file", type=Path)
    args = parser.parse_args()
    result = run(args.edits, args.file)
    targets = {"edit_p50_ms": 10, "edit_p95_ms": 30, "open_to_first_diagnostics_ms": 300, "peak_rss_mib": 120}
    print(f"codie serve on a {result['lines']}-line file ({os.cpu_count()} cores)")
    for key, value in result.items():
        target = f"  (target <= {targets[key]})" if key in targets else ""
        print(f"  {key:<30} {value}{target}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
