"""Cold start: process start -> `initialize` answered -> first diagnostics, next to Ruff.

Spawns `codie serve` and `ruff server` alternately (same file, same client, same run),
sends `initialize` with a real editor's capabilities (VS Code 1.65 by default, as
pytest-lsp records them), and right after the answer `initialized` and `didOpen` of a
small Flask-like file, as an editor does for the first file. `--client vscode-lc9` is
Codie's own VS Code extension (vscode-languageclient 9), which pulls: it sends
`textDocument/diagnostic` right after `didOpen`, and its first diagnostics are the first
answer with findings. Per server it prints the
median over the runs of:

- process start -> `initialize` answered (issue 15's target: <= 200 ms);
- process start -> first `publishDiagnostics` with findings (issue 16's: <= 1 s, idle);
- `didOpen` sent -> those diagnostics (issue 15's open->diagnostics: <= 50 ms);
- the server's CPU time (user + system) at that moment: a load-independent figure, where
  the wall times grow with the machine's load (printed before and after).

Also prints the import time of the server's start path (`python -X importtime`).

    .venv/bin/python bench/first_diagnostics.py [--runs 5] [--cold] [--client neovim] [--workspace DIR]
        [--file large] [--codie "CMD"]

`--file large` opens the 6,862-line standard-library file of ../shared/bench/lspbench.py
(bench/bigfiles.py) instead of the small Flask-like one. `--codie` runs another command
(another checkout's `codie serve`) in Codie's place.

    .venv/bin/python bench/first_diagnostics.py --analysis

--analysis: the first analysis of the 6,862-line file in-process instead, in CPU time of
the analysing thread (a busy machine does not inflate it): a fresh interpreter imports the
server (`build_server`) and then the analyzers and the rule catalogue (what the `didOpen`
handler waits for when it comes first), opens the file as the server does (parse, open
hooks), runs the engine until the per-statement analyzers are done, presents, encodes and
writes the partial publish (to /dev/null), then runs the whole-file passes and does the
same for the complete publish; each analyzer on its own row.

Without --cold, Codie starts with its user cache folder as it is (after the first run: the
start-up code cache and the `initialize` answer filed by the previous start, as on a
user's second start); with --cold, every start gets an empty one.

`--workspace DIR` copies DIR's Python files next to the opened file (a fresh copy per
run: no `.codie` state, as on a first start in a project), so that the background work a
project starts (style model, call graph) competes with the first analysis, as it does in
an editor.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bigfiles import stdlib_large
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

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = {
    "vscode": "visual_studio_code_v1.65.2.json",
    "neovim": "neovim_v0.11.0.json",
    # Codie's own VS Code extension: vscode-languageclient 9, a pull client that pulls a
    # document once it is opened (tests/lsp/clients/capabilities.js recorded it)
    "vscode-lc9": "vscode_languageclient_9.json",
    "none": "",
}


@dataclass
class Run:
    initialize: float  # seconds from spawn
    init_cpu: float  # server CPU seconds when `initialize` was answered
    first: float  # seconds from spawn to the first diagnostics with findings
    cpu: float  # server CPU seconds at that moment
    opened: float  # seconds from sending didOpen to those diagnostics


send = write_message


def read(pipe: IO[bytes]) -> dict[str, Any]:
    msg = read_message(pipe)
    if msg is None:
        raise EOFError("the server closed its output")
    result: dict[str, Any] = msg
    return result


def cpu_seconds(pid: int) -> float:
    """utime + stime of a live process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def client_capabilities(name: str) -> dict[str, Any]:
    if not CLIENTS[name]:
        return {}
    import pytest_lsp  # a dev dependency: the capabilities real editors send

    path = Path(pytest_lsp.__file__).parent / "clients" / CLIENTS[name]
    if not path.exists():  # (the project's own recordings)
        path = ROOT / "tests" / "lsp" / "clients" / CLIENTS[name]
    caps: dict[str, Any] = json.loads(path.read_text())["capabilities"]
    return caps


def one_run(cmd: list[str], template: Path, caps: dict[str, Any], cold: bool, text: str) -> Run:
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as cache:
        root = Path(tmp) / "w"
        shutil.copytree(template, root)
        # --cold: an empty user cache folder, so neither the start-up code cache nor a filed
        # `initialize` answer exists (a first start after installing or upgrading)
        env = {**os.environ, "CODIE_CACHE_DIR": cache} if cold else None
        return measure(cmd, root, caps, env, text)


def measure(
    cmd: list[str], root: Path, caps: dict[str, Any], env: dict[str, str] | None = None, text: str = SOURCE
) -> Run:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=root, env=env
    )
    assert proc.stdin is not None and proc.stdout is not None
    params = {
        "processId": os.getpid(),
        "rootUri": root.as_uri(),
        "capabilities": caps,
        "workspaceFolders": [{"uri": root.as_uri(), "name": "w"}],
    }
    send(proc.stdin, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params})
    initialized = opened = 0.0
    uri = (root / "app.py").as_uri()
    # a client that declares pull diagnostics is answered, not published to: it pulls
    pulls = "diagnostic" in (caps.get("textDocument") or {})
    pull = {"textDocument": {"uri": uri}}
    try:
        while True:
            msg = read(proc.stdout)
            if msg.get("id") == 1 and "result" in msg:
                initialized = time.perf_counter() - t0
                init_cpu = cpu_seconds(proc.pid)
                send(proc.stdin, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
                doc = {"uri": uri, "languageId": "python", "version": 1, "text": text}
                send(proc.stdin, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": doc}})
                opened = time.perf_counter() - t0
                if pulls:  # as vscode-languageclient 9 does once the document is open
                    send(proc.stdin, {"jsonrpc": "2.0", "id": 3, "method": "textDocument/diagnostic", "params": pull})
            elif pulls and msg.get("id") == 3 and "result" in msg:
                if (msg["result"] or {}).get("items"):
                    first = time.perf_counter() - t0
                    cpu = cpu_seconds(proc.pid)
                    break
                # an empty first answer: pull again once the server asks for a refresh
            elif pulls and msg.get("method") == "workspace/diagnostic/refresh":
                send(proc.stdin, {"jsonrpc": "2.0", "id": msg["id"], "result": None})
                send(proc.stdin, {"jsonrpc": "2.0", "id": 3, "method": "textDocument/diagnostic", "params": pull})
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
                cpu = cpu_seconds(proc.pid)
                break
        send(proc.stdin, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        send(proc.stdin, {"jsonrpc": "2.0", "method": "exit"})
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return Run(initialized, init_cpu, first, cpu, first - opened)


def import_time(python: str) -> float:
    out = subprocess.run(
        [python, "-X", "importtime", "-c", "import codie.lsp.server, codie.lsp.features"],
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


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def analysis_profile() -> None:
    """--analysis (run in a fresh interpreter): the first analysis of the big file, by stage."""
    import asyncio
    from collections import defaultdict

    from codie.core import engine
    from codie.core.analyzer import Analyzer

    started = time.thread_time()
    from codie.lsp.server import build_server

    server = build_server()
    built = time.thread_time()
    server._load()  # what warm_up's thread (or a first didOpen) does
    loaded = time.thread_time()
    spent: dict[str, float] = defaultdict(float)

    def timed(name: str, fn: Any) -> Any:
        def run(self: engine.DocumentAnalysis, analyzer: Analyzer, *args: Any) -> Any:
            began = time.thread_time()
            try:
                return fn(self, analyzer, *args)
            finally:
                spent[name.format(a=analyzer)] += time.thread_time() - began

        return run

    engine.DocumentAnalysis._run_timed = timed("{a.name} (per statement)", engine.DocumentAnalysis._run_timed)
    engine.DocumentAnalysis._start_pass = timed("{a.name} (whole file)", engine.DocumentAnalysis._start_pass)
    advance = engine.DocumentAnalysis._advance

    def timed_advance(self: engine.DocumentAnalysis, p: Any, deadline: float) -> Any:
        began = time.thread_time()
        try:
            return advance(self, p, deadline)
        finally:
            spent[f"{p.analyzer.name} (whole file)"] += time.thread_time() - began

    engine.DocumentAnalysis._advance = timed_advance
    text = stdlib_large()

    class Sink:
        """The server's writer: the framed bytes go to /dev/null (the cost of a write)."""

        def __init__(self) -> None:
            self.fd = os.open(os.devnull, os.O_WRONLY)

        def write(self, data: bytes) -> None:
            os.write(self.fd, data)

    async def first_analysis() -> dict[str, float | int]:
        server.protocol.notify_json = lambda method, params: None
        server.protocol.writer = Sink()
        uri = (Path(tempfile.gettempdir()) / "codie-first-analysis" / "large.py").as_uri()
        t: dict[str, float | int] = {}
        began = time.thread_time()
        server.open_document(uri, text, 1, "python")
        t["open"] = time.thread_time() - began
        analysis = server.analyses[uri]
        # the step that finishes the statements returns there (pause_before_whole)
        mark = time.thread_time()
        analysis.pause_before_whole = True  # as the server does for a large document opened
        while not analysis.statements_current or analysis._pass is not None:
            analysis.step(3600.0)
        t["statements"] = time.thread_time() - mark
        mark = time.thread_time()
        presented = server._presenter()(server, analysis, partial=True)
        assert presented is not None
        t["partial present"] = time.thread_time() - mark
        mark = time.thread_time()
        encoded = server._encoded(analysis, presented.visible)
        t["partial encode"] = time.thread_time() - mark
        mark = time.thread_time()
        server.protocol.notify_params_text("textDocument/publishDiagnostics", server._params(uri, 1, encoded))
        t["partial write"] = time.thread_time() - mark
        t["partial shown"] = len(encoded)
        mark = time.thread_time()
        while not analysis.step(3600.0):
            pass
        t["whole-file passes"] = time.thread_time() - mark
        mark = time.thread_time()
        shown = server.visible_findings(analysis)
        t["present"] = time.thread_time() - mark
        mark = time.thread_time()
        encoded = server._encoded(analysis, shown)
        t["encode"] = time.thread_time() - mark
        mark = time.thread_time()
        server.protocol.notify_params_text("textDocument/publishDiagnostics", server._params(uri, 1, encoded))
        t["write"] = time.thread_time() - mark
        t["shown"] = len(encoded)
        return t

    t = asyncio.run(first_analysis())
    print(
        f"{text.count(chr(10)):,} lines, {t['shown']} diagnostics ({t['partial shown']} in the partial publish); "
        "CPU ms of the analysing thread:"
    )
    per_statement = sorted(((n, c) for n, c in spent.items() if "per statement" in n), key=lambda kv: -kv[1])
    whole = sorted(((n, c) for n, c in spent.items() if "per statement" not in n), key=lambda kv: -kv[1])
    partial = sum(float(t[k]) for k in ("open", "statements", "partial present", "partial encode", "partial write"))
    complete = partial + sum(float(t[k]) for k in ("whole-file passes", "present", "encode", "write"))
    rows = [
        ("import the server (build_server)", built - started),
        ("import the analyzers + rule catalogue", loaded - built),
        ("open: parse + open hooks", float(t["open"])),
        ("per-statement analyzers (the engine)", float(t["statements"])),
    ]
    rows += [(f"  {name}", cpu) for name, cpu in per_statement]
    rows += [
        ("  partial: present", float(t["partial present"])),
        ("  partial: encode (JSON)", float(t["partial encode"])),
        ("  partial: write", float(t["partial write"])),
        ("didOpen -> partial publish (no import)", partial),
        ("whole-file analyzers (the engine)", float(t["whole-file passes"])),
    ]
    rows += [(f"  {name}", cpu) for name, cpu in whole]
    rows += [
        ("present", float(t["present"])),
        ("encode (JSON; partial's diagnostics cached)", float(t["encode"])),
        ("write", float(t["write"])),
        ("didOpen -> complete publish (no import)", complete),
    ]
    for name, cpu in rows:
        print(f"{name:<46} {cpu * 1000:8.1f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--client", choices=sorted(CLIENTS), default="vscode", help="whose capabilities to send")
    p.add_argument("--workspace", type=Path, help="a project whose Python files surround the opened file")
    p.add_argument(
        "--cold",
        action="store_true",
        help="each codie start with an empty cache folder (no start-up code cache, no filed `initialize` answer)",
    )
    p.add_argument("--file", choices=("flask", "large"), default="flask", help="the file opened")
    p.add_argument("--codie", help="the command to run in Codie's place (default: this checkout's codie serve)")
    p.add_argument("--analysis", action="store_true", help="profile the first analysis of the large file in-process")
    p.add_argument("--ruff", default=shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff")
    args = p.parse_args()
    if args.analysis:
        analysis_profile()
        return
    codie = shlex.split(args.codie) if args.codie else [sys.executable, "-m", "codie", "serve"]
    servers = {"codie serve": codie, "ruff server": [args.ruff, "server"]}
    caps = client_capabilities(args.client)
    text = stdlib_large() if args.file == "large" else SOURCE
    print(
        f"{os.cpu_count()} CPUs, load average before: {load()}; {args.runs} runs each, {args.client} capabilities"
        + (", cold: an empty cache folder per start" if args.cold else ", warm: Codie's user cache folder as it is")
        + f"; opened: {text.count(chr(10)):,} lines"
    )
    runs: dict[str, list[Run]] = {name: [] for name in servers}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.workspace:
            shutil.copytree(args.workspace, root / "project", ignore=shutil.ignore_patterns(".*", "__pycache__"))
            print(f"workspace: {sum(1 for _ in (root / 'project').rglob('*.py'))} Python files from {args.workspace}")
        (root / "pyproject.toml").write_text('[project]\nname = "w"\nversion = "0"\n')
        (root / "app.py").write_text(text)
        for _ in range(args.runs):
            for name, cmd in servers.items():  # interleaved: both see the same load
                runs[name].append(one_run(cmd, root, caps, args.cold, text))
    print(f"load average after: {load()}")
    print("medians, wall time from process start (server CPU time at that moment):")
    print(f"{'server':<12} {'initialize answered':>24} {'first diagnostics':>24} {'didOpen -> those':>17}")
    med: dict[str, list[float]] = {}
    fields = ("initialize", "init_cpu", "first", "cpu", "opened")
    for name, rs in runs.items():
        m = [statistics.median(getattr(r, f) for r in rs) * 1000 for f in fields]
        med[name] = m
        print(f"{name:<12} {m[0]:>9.0f} ms ({m[1]:>5.0f} CPU) {m[2]:>9.0f} ms ({m[3]:>5.0f} CPU) {m[4]:>14.0f} ms")
    c, r = med["codie serve"], med["ruff server"]
    print(
        f"codie / ruff (wall): initialize {c[0] / r[0]:.0f}x, first diagnostics {c[2] / r[2]:.0f}x, "
        f"didOpen -> diagnostics {c[4] / r[4]:.0f}x"
    )
    print(
        "targets: initialize <= 200 ms, didOpen -> diagnostics <= 50 ms (issue 15), "
        "first diagnostics <= 1000 ms on an idle machine (issue 16)"
    )
    print(f"codie start-path imports (codie.lsp.server + features, wall): {import_time(sys.executable):.2f} s")


if __name__ == "__main__":
    main()
