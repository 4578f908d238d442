"""Soak: N minutes of edits, opens, closes and hovers against one `codie serve`.

A workspace of real code (a copy of the stdlib's `email` package) is edited the way a user
would: lines typed in (some in fast bursts), lines deleted, files opened and closed, hovers
anywhere. Prints the server's RSS at the start, each minute and at the end, hover p50/max,
the load average, and whether the diagnostics of every file open at the end equal those a
fresh server reports for the same texts (cross-file state must not drift from a full
analysis).

    .venv/bin/python bench/soak.py [--minutes 10] [--seed 1]
    .venv/bin/python bench/soak.py --burst 500   # only: N keystrokes sent back to back

--burst measures coalescing (issue 19): the time the client spends writing N one-character
edits to a ~9,500-line file, and from the last one to the diagnostics of the final version.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from lspclient import did_change, read_message, write_message

ROOT = Path(__file__).resolve().parents[1]
PROFILE: list[str] = []
SETTLE = 4.0  # seconds without a new publishDiagnostics that count as "settled"
SNIPPETS = (
    "value = eval(input())",
    "import os",
    "def helper(a, b=[]):",
    "    return a",
    "try:",
    "    pass",
    "except:",
    "    pass",
    "x = 'héllo 😋'",
    "print(len(sys.argv))",
    "class Thing:",
    "    def method(self):",
    "        return self",
    "",
)


class Server:
    """`codie serve` over stdio, spoken to with raw LSP messages from a reader thread."""

    def __init__(self, root: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "server")}
        self.proc = subprocess.Popen(
            [sys.executable, *PROFILE, "-m", "codie", "serve"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self.cond = threading.Condition()
        self.responses: dict[int, Any] = {}
        self.diagnostics: dict[str, tuple[int | None, list[Any]]] = {}
        self.last_publish = time.monotonic()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while (msg := read_message(out)) is not None:
            with self.cond:
                if msg.get("method") == "textDocument/publishDiagnostics":
                    p = msg["params"]
                    self.diagnostics[p["uri"]] = (p.get("version"), p["diagnostics"])
                    self.last_publish = time.monotonic()
                elif "id" in msg and "method" in msg:  # a request from the server
                    items = msg.get("params", {}).get("items", [])
                    result: Any = [{}] * len(items) if msg["method"] == "workspace/configuration" else None
                    self.send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
                elif "id" in msg:
                    self.responses[msg["id"]] = msg
                self.cond.notify_all()

    def send(self, msg: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        write_message(self.proc.stdin, msg)

    def request(self, method: str, params: Any, timeout: float = 60) -> Any:
        self.next_id += 1
        rid = self.next_id
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        with self.cond:
            self.cond.wait_for(lambda: rid in self.responses, timeout=timeout)
            return self.responses.pop(rid, None)

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def initialize(self, root: Path) -> None:
        self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": {
                    "textDocument": {"publishDiagnostics": {"versionSupport": True}},
                    "workspace": {"configuration": True},
                },
            },
        )
        self.notify("initialized", {})

    def open(self, uri: str, text: str, version: int) -> None:
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}},
        )

    def settle(self, versions: dict[str, int], timeout: float = 300) -> None:
        """Until every uri has diagnostics for its version, nothing new came for SETTLE s and
        the server says nothing is pending (codie/serverState `settled`: analyses, deferred
        analyzers, the call graph and the style model's training; on a busy machine a
        training can take longer than SETTLE, and findings compared before it are not final)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.cond:
                current = all(self.diagnostics.get(u, (None,))[0] == v for u, v in versions.items())
                quiet_since = self.last_publish
            if current and time.monotonic() - quiet_since > SETTLE:
                state = self.request("codie/serverState", {}, timeout=60)
                settled = bool(state and (state.get("result") or {}).get("settled"))
                if settled and self.last_publish == quiet_since:
                    return
            time.sleep(0.25)
        # not settled: say what is still missing, so a hang is a finding and not a mystery
        with self.cond:
            stale = {u: (self.diagnostics.get(u, (None,))[0], v) for u, v in versions.items()}
        stale = {u.rsplit("/", 1)[-1]: got_wanted for u, got_wanted in stale.items() if got_wanted[0] != got_wanted[1]}
        state = self.request("codie/serverState", {}, timeout=60)
        result = (state or {}).get("result") or {}
        print(
            f"soak: not settled after {timeout:.0f} s; versions (published, sent) {stale};"
            f" settled={result.get('settled')} callGraph={result.get('callGraph')} held={result.get('held')}",
            file=sys.stderr,
        )

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.request("shutdown", None, timeout=30)
        self.notify("exit", None)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def findings(server: Server, uris: list[str]) -> set[tuple[str, str, int, int, int, int]]:
    out = set()
    for uri in uris:
        for d in server.diagnostics.get(uri, (None, []))[1]:
            r = d["range"]
            out.add(
                (
                    uri.rsplit("/", 1)[-1],
                    str(d.get("code")),
                    r["start"]["line"],
                    r["start"]["character"],
                    r["end"]["line"],
                    r["end"]["character"],
                )
            )
    return out


def soak(minutes: float, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix="codie-soak-"))
    root = work / "ws"
    shutil.copytree(
        Path(sysconfig.get_paths()["stdlib"]) / "email", root / "email", ignore=shutil.ignore_patterns("__pycache__")
    )
    (root / "pyproject.toml").write_text("[project]\nname = 'soak'\n")
    files = sorted(root.rglob("*.py"))
    texts = {p.as_uri(): p.read_text(encoding="utf-8") for p in files}
    versions: dict[str, int] = {}
    server = Server(root)
    server.initialize(root)
    for uri in list(texts)[:6]:
        versions[uri] = 1
        server.open(uri, texts[uri], 1)
    server.settle(versions)
    rss_start = server.rss_mib()
    load_start = os.getloadavg()[0]

    hovers: list[float] = []
    counts = {"edits": 0, "bursts": 0, "opens": 0, "closes": 0, "hovers": 0}
    rss_minutes: list[float] = []  # RSS each minute while editing: growth shows as a trend
    end = time.monotonic() + minutes * 60
    next_sample = time.monotonic() + 60
    while time.monotonic() < end:
        if time.monotonic() >= next_sample:
            rss_minutes.append(round(server.rss_mib()))
            next_sample += 60
        roll = rng.random()
        uri = rng.choice(list(versions))
        lines = texts[uri].split("\n")
        if roll < 0.05:  # open another file; keep at most eight open
            closed = [u for u in texts if u not in versions]
            if closed:
                new = rng.choice(closed)
                versions[new] = 1
                server.open(new, texts[new], 1)
                counts["opens"] += 1
            if len(versions) > 8:
                gone = rng.choice(list(versions))
                del versions[gone]
                server.notify("textDocument/didClose", {"textDocument": {"uri": gone}})
                counts["closes"] += 1
        elif roll < 0.25:  # hover anywhere
            line = rng.randrange(len(lines))
            col = rng.randint(0, len(lines[line]))
            started = time.perf_counter()
            server.request(
                "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": line, "character": col}}
            )
            hovers.append((time.perf_counter() - started) * 1000)
            counts["hovers"] += 1
        else:  # type a line (sometimes as a fast burst of keystrokes) or delete one
            line = rng.randrange(len(lines))
            burst = rng.random() < 0.1
            if rng.random() < 0.6:
                snippet = rng.choice(SNIPPETS) + "\n"
                pieces = list(snippet) if burst else [snippet]
                col = 0
                for piece in pieces:
                    versions[uri] += 1
                    server.notify(
                        "textDocument/didChange", did_change(uri, versions[uri], (line, col), (line, col), piece)
                    )
                    col += len(piece.encode("utf-16-le")) // 2
                lines[line:line] = snippet[:-1].split("\n")
                counts["bursts" if burst else "edits"] += 1
            elif len(lines) > 1:
                versions[uri] += 1
                server.notify("textDocument/didChange", did_change(uri, versions[uri], (line, 0), (line + 1, 0), ""))
                del lines[line]
                counts["edits"] += 1
            texts[uri] = "\n".join(lines)
            if not burst:
                time.sleep(rng.uniform(0.005, 0.08))  # typing pace
    server.settle(versions)
    rss_end = server.rss_mib()
    open_uris = sorted(versions)
    soaked = findings(server, open_uris)
    server.stop()

    # a fresh server, the same workspace on disk, the same final texts open
    fresh = Server(root)
    fresh.initialize(root)
    for uri in open_uris:
        fresh.open(uri, texts[uri], versions[uri])
    fresh.settle(versions)
    clean = findings(fresh, open_uris)
    fresh.stop()
    shutil.rmtree(work, ignore_errors=True)
    hovers.sort()
    return {
        "minutes": minutes,
        **counts,
        "rss_start_mib": round(rss_start, 1),
        "rss_each_minute_mib": rss_minutes,
        "rss_end_mib": round(rss_end, 1),
        "hover_p50_ms": round(statistics.median(hovers), 2) if hovers else None,
        "hover_max_ms": round(hovers[-1], 2) if hovers else None,
        "open_files_at_end": len(open_uris),
        "findings_soaked": len(soaked),
        "findings_fresh": len(clean),
        "only_soaked": sorted(soaked - clean)[:10],
        "only_fresh": sorted(clean - soaked)[:10],
        "equal": soaked == clean,
        "load_average": f"{load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end",
    }


def burst(keys: int) -> dict[str, Any]:
    lib = Path(sysconfig.get_paths()["stdlib"])
    text = "\n".join((lib / n).read_text(encoding="utf-8") for n in ("inspect.py", "typing.py", "argparse.py"))
    work = Path(tempfile.mkdtemp(prefix="codie-burst-"))
    uri = (work / "large.py").as_uri()
    server = Server(work)
    server.initialize(work)
    server.open(uri, text, 1)
    server.settle({uri: 1})
    line = text.count("\n") // 2
    started = time.perf_counter()
    for k in range(keys):
        server.notify("textDocument/didChange", did_change(uri, 2 + k, (line, k), (line, k), "x"))
    sent = time.perf_counter()
    with server.cond:
        server.cond.wait_for(lambda: server.diagnostics.get(uri, (None,))[0] == keys + 1, 300)
    final = time.perf_counter()
    server.stop()
    shutil.rmtree(work, ignore_errors=True)
    return {
        "lines": text.count("\n") + 1,
        "keystrokes": keys,
        "client_writing_s": round(sent - started, 2),
        "last_key_to_final_diagnostics_s": round(final - sent, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--burst", type=int, metavar="N", help="only measure an N-key burst")
    args = parser.parse_args()
    if args.burst:
        result = burst(args.burst)
        print(f"codie serve edit burst on {os.cpu_count()} cores")
    else:
        result = soak(args.minutes, args.seed)
        print(f"codie serve soak: {args.minutes:g} min on {os.cpu_count()} cores")
    for key, value in result.items():
        print(f"  {key:<20} {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
