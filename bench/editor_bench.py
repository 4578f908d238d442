"""The editor's figures next to ruff server's, from one run, each server started cold.

Drives ../shared/bench/lspbench.py (the team's server-neutral LSP benchmark) once per
scenario and server, alternating servers so that both see the same machine load:

  typing  the 6,862-line stdlib file (`--stdlib-file large`), 50 edits at --pace seconds
          (default 0.2: typing speed), edit -> diagnostics for exactly that version
  burst   the same file, 500 edits with no pause: every version must be answered or
          superseded by a newer one (lspbench counts both), never time out
  50k     the stdlib file repeated to 50,000 lines (bench/analyzer_profile.py builds it):
          open -> the first diagnostics (lspbench times the first publish: Codie's holds
          the per-statement findings of a large file), and 10 edits
  open    didOpen of the 6,862-line file right after start-up (the first file), then, once
          the server answers a request and its CPU is idle, of another file as large that
          shares no statement with it (bigfiles.stdlib_other: a file opened later), then
          of the first file's text under a third name (reopened: what the servers'
          per-text caches give a file closed and opened again): didOpen -> the first
          publish and -> the complete set (the first publish equal to the one the server
          settles on) for each, from the moment the client
          starts writing didOpen; this bench's own client (bench/lspclient.py), the same
          for every server, printing each run's publishes. (cpu): the server process's
          CPU time, every thread, from didOpen to the first publish (Linux schedstat; what
          the machine's load barely moves, where it inflates the wall times)
  open50k the 50,000-line file as the first file after start-up, with the open
          scenario's client: didOpen -> the first publish and -> the complete set (issue
          15's target: complete diagnostics in <= 3 s)
  openpull the open scenario with a pull-diagnostics client, as VS Code's
          vscode-languageclient 9 (Codie's own extension) and Neovim 0.10+ are: didOpen and
          at once textDocument/diagnostic, as VS Code pulls a document it opens; then, as
          VS Code does, a pull again on each workspace/diagnostic/refresh the server sends.
          didOpen -> the first answer and -> the complete set (the first answer equal to the
          last one)
  typingpull the typing scenario's edits (lspbench's plan, the same file and pace) by a client
          that pulls as vscode-languageclient 9 does (PullTyper: a pull after each didChange
          with the last resultId, a superseded pull cancelled with $/cancelRequest and pulled
          again once answered, a pull on each refresh): didChange -> the answer to the pull
          of exactly that version, and whether the last answer equals a fresh pull's

    .venv/bin/python bench/editor_bench.py [--repeat 3] [--scenarios typing,burst,50k,open,open50k,openpull,typingpull]
        [--pace 0.2] [--codie ".venv/bin/codie serve"] [--ruff "ruff server"] [--warm] [--json PATH]
        [--other LABEL=CMD ...]

--other adds another Codie command (another checkout, for a before/after) to the same run,
started like --codie; the ratios are printed against ruff for --codie only.

Codie starts cold every time (an empty cache folder per start) unless --warm is given, and
every run has a workspace of its own (no `.codie/` state, such as a stored style model, left
by an earlier run).

Prints one row per scenario and server (medians of --repeat cold runs), then codie/ruff
ratios, the load average and the core count. Figures are wall-clock on whatever machine
runs it: read them with the load printed next to them.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bigfiles import stdlib_large, stdlib_other, stdlib_repeated  # noqa: E402
from lspclient import read_message, write_message  # noqa: E402

SCENARIOS = ("typing", "burst", "50k", "open", "open50k", "openpull", "typingpull")
LSP_SCENARIOS = ("typing", "burst", "50k")  # driven by lspbench.py; the open ones by open_runs()
SETTLE = 1.5  # seconds without a publish for a document after which its set is final


def find_lspbench() -> Path:
    """../shared/bench/lspbench.py next to the checkout (or its parent, for worktrees)."""
    env = os.environ.get("CODIE_LSPBENCH")
    candidates = [Path(env)] if env else []
    candidates += [p / "shared" / "bench" / "lspbench.py" for p in ROOT.parents]
    for path in candidates:
        if path.is_file():
            return path
    raise SystemExit("lspbench.py not found: set CODIE_LSPBENCH=/path/to/lspbench.py")


def lspbench_plan(text: str, edits: int) -> list[tuple[bool, int, str]]:
    """lspbench's own edits of `text` as (insert?, line, text): the same line before
    statements at every indent (most are inside functions), spread through the file.
    (Loads lspbench.py only: bench/taint_keystrokes.py runs it under callgrind, where the
    language server's imports would shift the dumps' numbering.)"""
    spec = importlib.util.spec_from_file_location("lspbench", find_lspbench())
    assert spec is not None and spec.loader is not None
    lspbench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lspbench)
    planned, _ = lspbench.plan_edits(text, edits)
    return [(e["kind"] == "insert", e["line"], e["text"]) for e in planned]


def default_ruff() -> str:
    venv_ruff = ROOT / ".venv" / "bin" / "ruff"
    found = str(venv_ruff) if venv_ruff.exists() else shutil.which("ruff")
    if not found:
        raise SystemExit("ruff not found: pip install ruff, or pass --ruff")
    return f"{found} server"


def scenario_args(name: str, pace: float, big: Path) -> list[str]:
    if name == "typing":
        return ["--stdlib-file", "large", "--edits", "50", "--pace", str(pace)]
    if name == "burst":
        return ["--stdlib-file", "large", "--edits", "500", "--pace", "0", "--timeout", "60"]
    if name == "50k":
        return ["--file", str(big), "--edits", "10", "--pace", "0.3", "--startup-timeout", "120"]
    raise SystemExit(f"unknown scenario {name!r} (one of {', '.join(SCENARIOS)})")


def run_one(lspbench: Path, server: str, args: list[str], out: Path) -> dict[str, Any]:
    """One lspbench invocation (--repeat 1): its summary, or {"ok": False}."""
    cmd = [sys.executable, str(lspbench), *args, "--repeat", "1", "--no-table", "--json-out", str(out)]
    cmd += ["--", *shlex.split(server)]
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=sys.stderr)
    lines = out.read_text().splitlines() if out.exists() else []
    out.unlink(missing_ok=True)
    if not lines:
        return {"ok": False}
    summary: dict[str, Any] = json.loads(lines[-1])
    return summary


def run_cold(lspbench: Path, server: str, name: str, pace: float, repeat: int, tmp: Path) -> dict[str, Any]:
    """`repeat` cold runs of a scenario, each in a workspace of its own, and their medians.

    lspbench's own --repeat keeps one workspace for all its runs, and Codie keeps its state
    there (`.codie/`: the style model, the call graph's cache): its second and third runs
    would load a stored model instead of training one. So lspbench runs once per repeat,
    on a new copy of the file in a new folder each time (the 50k file) or in its own new
    temporary workspace (the stdlib file)."""
    summaries = []
    tmp.mkdir(parents=True, exist_ok=True)
    for _ in range(repeat):
        folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=tmp))
        big = folder / "stdlib50k.py"
        if name == "50k":
            big.write_text(stdlib_repeated(50_000), encoding="utf-8")
        summaries.append(run_one(lspbench, server, scenario_args(name, pace, big), folder / "out.json"))
    medians = [s.get("median") or {} for s in summaries]
    keys = {k for m in medians for k in m}
    combined: dict[str, Any] = {}
    for key in keys:
        values = [m[key] for m in medians if isinstance(m.get(key), (int, float)) and not isinstance(m[key], bool)]
        combined[key] = statistics.median(values) if values else None
    return {"median": combined, "runs": [r for s in summaries for r in s.get("runs") or []]}


# ---- the open scenario: this bench's own client ----------------------------------------
CAPABILITIES: dict[str, Any] = {  # lspbench.py's push-mode capabilities
    "general": {"positionEncodings": ["utf-16"]},
    "textDocument": {
        "synchronization": {"dynamicRegistration": False, "didSave": True},
        "publishDiagnostics": {
            "relatedInformation": True,
            "versionSupport": True,
            "tagSupport": {"valueSet": [1, 2]},
            "codeDescriptionSupport": True,
            "dataSupport": True,
        },
    },
    "workspace": {"configuration": True, "workspaceFolders": True},
    "window": {"workDoneProgress": False, "showMessage": {}},
}
# what vscode-languageclient 9's DiagnosticFeature adds (fillClientCapabilities): a client
# that pulls, and pulls again when the server asks it to refresh
PULL_CAPABILITIES: dict[str, Any] = {
    **CAPABILITIES,
    "textDocument": {
        **CAPABILITIES["textDocument"],
        "diagnostic": {"dynamicRegistration": True, "relatedDocumentSupport": False},
    },
    "workspace": {**CAPABILITIES["workspace"], "diagnostics": {"refreshSupport": True}},
}


class Client:
    """A stdio client that timestamps every publishDiagnostics (a reader thread) and
    answers the server's requests with empty results."""

    def __init__(self, cmd: str, cwd: Path) -> None:
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            shlex.split(cmd), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=cwd
        )
        self.cond = threading.Condition()
        self.publishes: list[tuple[float, str, Any, list[Any]]] = []  # (time, uri, version, diagnostics)
        self.publish_cpu: list[float | None] = []  # the server's CPU ms when each publish was read
        self.answers: dict[int, Any] = {}
        self.answered_at: dict[int, float] = {}
        self.answer_cpu: dict[int, float | None] = {}
        self.refreshes: list[float] = []  # when the server sent workspace/diagnostic/refresh
        self._ids = iter(range(1000, 10**9))
        self._write = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def send(self, msg: dict[str, Any]) -> float:
        """Write msg; the time it started to be written (a large didOpen fills the pipe and
        blocks until the server reads it: that wait is the server's, so it is counted)."""
        assert self.proc.stdin is not None
        with self._write:
            started = time.perf_counter()
            write_message(self.proc.stdin, {"jsonrpc": "2.0", **msg})
        return started

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while (msg := read_message(self.proc.stdout)) is not None:
            now = time.perf_counter()
            if "id" in msg and "method" in msg:  # a request to the client
                result: Any = None
                if msg["method"] == "workspace/configuration":
                    result = [None for _ in msg["params"]["items"]]
                self.send({"id": msg["id"], "result": result})
                if msg["method"] == "workspace/diagnostic/refresh":
                    with self.cond:
                        self.refreshes.append(now)
                        self.cond.notify_all()
                continue
            with self.cond:
                if msg.get("method") == "textDocument/publishDiagnostics":
                    p = msg["params"]
                    self.publishes.append((now, p["uri"], p.get("version"), p["diagnostics"]))
                    self.publish_cpu.append(self.cpu_ms())
                elif "id" in msg:
                    self.answers[msg["id"]] = msg
                    self.answered_at[msg["id"]] = now
                    self.answer_cpu[msg["id"]] = self.cpu_ms()
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def cpu_ms(self) -> float | None:
        """The server process's CPU time so far, every thread, in ms (Linux schedstat: ns, not
        the 10 ms ticks of /proc/PID/stat): a figure the machine's load barely moves."""
        total = 0
        try:
            for task in os.listdir(f"/proc/{self.proc.pid}/task"):
                with open(f"/proc/{self.proc.pid}/task/{task}/schedstat") as f:
                    total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return total / 1e6

    def idle(self, window: float = 1.0, busy_ms: float = 50.0, longest: float = 30.0) -> None:
        """Return once the server's process used less than busy_ms of CPU in `window`
        seconds (or after `longest`)."""
        deadline = time.perf_counter() + longest
        before = self.cpu_ms()
        while time.perf_counter() < deadline and before is not None:
            time.sleep(window)
            now = self.cpu_ms()
            if now is None or now - before < busy_ms:
                return
            before = now

    def request(self, method: str, params: Any) -> tuple[int, float]:
        """Send a request; (its id, when it started to be written)."""
        ident = next(self._ids)
        return ident, self.send({"id": ident, "method": method, "params": params})

    def wait(self, predicate: Any, timeout: float) -> Any:
        with self.cond:
            return self.cond.wait_for(predicate, timeout)

    def settled(self, uri: str, timeout: float = 120.0) -> list[tuple[float, Any, list[Any]]]:
        """uri's publishes once none came for SETTLE seconds (after the first one)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            mine = [(t, v, d) for t, u, v, d in self.publishes if u == uri]
            if mine and time.perf_counter() - mine[-1][0] > SETTLE:
                return mine
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        return [(t, v, d) for t, u, v, d in self.publishes if u == uri]

    def session_peak_mib(self) -> float | None:
        """The peak resident memory (VmHWM) of the server and of each process under it now,
        summed, in MiB: the session's peak so far, whatever ran when (a training after the
        typing too). An upper bound of the tree's peak: the processes' peaks need not
        coincide; a child already gone is not counted."""
        total, todo, seen = 0, [self.proc.pid], set()
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            try:
                with open(f"/proc/{pid}/status") as f:
                    total += next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as f:
                        todo += [int(child) for child in f.read().split()]
            except (OSError, StopIteration, ValueError):
                if pid == self.proc.pid:
                    return None
        return total / 1024

    def close(self) -> None:
        try:
            self.send({"id": 99, "method": "shutdown"})
            self.wait(lambda: 99 in self.answers, 10)
            self.send({"method": "exit"})
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


def open_times(client: Client, uri: str, text: str) -> dict[str, Any]:
    """didOpen of uri -> its first publish, and -> the first publish equal to the final set."""
    doc = {"uri": uri, "languageId": "python", "version": 1, "text": text}
    cpu = client.cpu_ms()
    sent = client.send({"method": "textDocument/didOpen", "params": {"textDocument": doc}})
    mine = client.settled(uri)
    if not mine:
        return {}
    first = next(i for i, (_, u, _, _) in enumerate(client.publishes) if u == uri)
    cpu_first = client.publish_cpu[first]
    # (the server's CPU, every thread, from didOpen to reading the first publish)
    first_cpu = cpu_first - cpu if cpu is not None and cpu_first is not None else None
    return arrivals(sent, [(t, d) for t, _, d in mine], first_cpu)


def arrivals(sent: float, sets: list[tuple[float, list[Any]]], first_cpu: float | None) -> dict[str, Any]:
    """An open's figures from the diagnostics sets that arrived (publishes or pull answers:
    when read, what they held), `sent` the didOpen's time: the first, the first equal to the
    last (complete), and each changed set as ms after didOpen / how many diagnostics."""
    final = sets[-1][1]
    complete = next(t for t, d in sets if d == final)
    return {
        "first": (sets[0][0] - sent) * 1000,
        **({"first_cpu": first_cpu} if first_cpu is not None else {}),
        "complete": (complete - sent) * 1000,
        "n_first": len(sets[0][1]),
        "n_all": len(final),
        "publishes": len(sets),
        "timeline": [
            f"{(t - sent) * 1000:.0f}/{len(d)}" for i, (t, d) in enumerate(sets) if i == 0 or d != sets[i - 1][1]
        ],
    }


def pull_times(client: Client, uri: str, text: str) -> dict[str, Any]:
    """didOpen of uri and at once a pull of its diagnostics -> the first answer, and -> the
    first answer equal to the last one; pulling again (with the last resultId) on each
    refresh the server asks for, until none came for SETTLE seconds."""
    doc = {"uri": uri, "languageId": "python", "version": 1, "text": text}
    cpu = client.cpu_ms()
    sent = client.send({"method": "textDocument/didOpen", "params": {"textDocument": doc}})
    answers: list[tuple[float, list[Any]]] = []
    first_cpu: float | None = None
    previous: str | None = None
    refreshes_seen = len(client.refreshes)
    deadline = time.perf_counter() + 120
    while time.perf_counter() < deadline:
        params: dict[str, Any] = {"textDocument": {"uri": uri}}
        if previous is not None:
            params["previousResultId"] = previous
        ident, _ = client.request("textDocument/diagnostic", params)
        if not client.wait(lambda ident=ident: ident in client.answers, 120):
            break
        report = client.answers[ident].get("result") or {}
        items = report.get("items") if report.get("kind") == "full" else (answers[-1][1] if answers else [])
        answers.append((client.answered_at[ident], items or []))
        if first_cpu is None and cpu is not None and (at := client.answer_cpu.get(ident)) is not None:
            first_cpu = at - cpu
        previous = report.get("resultId", previous)
        # the next refresh, if one comes before the set is settled
        if not client.wait(lambda seen=refreshes_seen: len(client.refreshes) > seen, SETTLE):
            break
        refreshes_seen = len(client.refreshes)
    if not answers:
        return {}
    # (result_id: what the client sends as previousResultId next, typingpull)
    return {"result_id": previous, **arrivals(sent, answers, first_cpu)}


LATER = ("later", "reopened")  # the open scenario's files after the first


def trained(folder: Path) -> bool | None:
    """Whether Codie stored a style model of folder (None: no Codie store there)."""
    db = folder / ".codie" / "codie.db"
    if not db.is_file():
        return None
    try:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            return bool(conn.execute("SELECT count(*) FROM style_files").fetchone()[0])
    except sqlite3.Error:
        return False


def initialize(client: Client, folder: Path, pull: bool) -> float | None:
    """initialize (as a client that pulls diagnostics, or not) and initialized: ms from the
    process start to the answer, None without one."""
    client.send(
        {
            "id": 1,
            "method": "initialize",
            "params": {
                "processId": os.getpid(),
                "rootUri": folder.as_uri(),
                "workspaceFolders": [{"uri": folder.as_uri(), "name": folder.name}],
                "capabilities": PULL_CAPABILITIES if pull else CAPABILITIES,
            },
        }
    )
    if not client.wait(lambda: 1 in client.answers, 60):
        return None
    init = (time.perf_counter() - client.t0) * 1000
    client.send({"method": "initialized", "params": {}})
    return init


def open_run(cmd: str, folder: Path, text: str, later_too: bool = True, pull: bool = False) -> dict[str, Any]:
    """One server start: the first file right after `initialize`, then (later_too) another
    file and the first one's text again, each once the server is quiet; pull: as a client
    that pulls diagnostics."""
    client = Client(cmd, folder)
    times = pull_times if pull else open_times
    try:
        init = initialize(client, folder, pull)
        if init is None:
            return {"errors": ["no answer to initialize"]}
        first = times(client, (folder / "first.py").as_uri(), text)
        result: dict[str, Any] = {"init": init, "first": first}
        if not later_too:
            return result
        # A later file is one opened once the server is up and its start-up work done:
        # Codie publishes a first file's diagnostics before its server is built
        # (lsp/early_open.py), so a quiet client is no sign of that. A request is answered
        # once the server is built (an unknown method's error is an answer too); then the
        # server's CPU must stay idle a while.
        client.send({"id": 2, "method": "workspace/symbol", "params": {"query": ""}})
        client.wait(lambda: 2 in client.answers, 60)
        for name in LATER:
            time.sleep(1.0)  # quiet: the start-up's background work has its turn
            client.idle()
            path = folder / f"{name}.py"
            result[name] = times(client, path.as_uri(), path.read_text(encoding="utf-8"))
        # the session so far, once its background work (the style training of the folder,
        # the call graph, the metrics) is done too: its peak memory, and whether a style
        # model was trained (a server that trains later, or never, shows a lower peak)
        client.idle()
        result["session_peak"] = client.session_peak_mib()
        result["trained"] = trained(folder)
        return result
    finally:
        client.close()


def open_runs(cmd: str, repeat: int, tmp: Path, text: str | None = None, pull: bool = False) -> dict[str, Any]:
    """The open scenario (the 6,862-line file, then a later one), or with `text` open50k:
    that text as the first file only (its complete set is issue 15's 50,000-line target)."""
    later_too = text is None
    text = stdlib_large() if text is None else text
    runs = []
    for _ in range(repeat):
        folder = Path(tempfile.mkdtemp(prefix="open-", dir=tmp))
        (folder / "first.py").write_text(text, encoding="utf-8")
        if later_too:
            (folder / "later.py").write_text(stdlib_other(), encoding="utf-8")
            (folder / "reopened.py").write_text(text, encoding="utf-8")
        runs.append(open_run(cmd, folder, text, later_too, pull))

    def med(which: str, key: str) -> float | None:
        values = [r[which][key] for r in runs if r.get(which) and key in r[which]]
        return statistics.median(values) if values else None

    return {
        "first": med("first", "first"),
        "first_complete": med("first", "complete"),
        "first_cpu": med("first", "first_cpu"),
        "later": med("later", "first"),
        "later_cpu": med("later", "first_cpu"),
        "later_complete": med("later", "complete"),
        "reopened": med("reopened", "first"),
        "reopened_cpu": med("reopened", "first_cpu"),
        "reopened_complete": med("reopened", "complete"),
        "session_peak": statistics.median(peaks)
        if (peaks := [r["session_peak"] for r in runs if r.get("session_peak")])
        else None,
        "trained": [r.get("trained") for r in runs if "trained" in r],
        "counts": [
            f"{r[w].get('n_first')}/{r[w].get('n_all')} in {r[w].get('publishes')}"
            for r in runs[:1]
            for w in ("first", *LATER)
            if r.get(w)
        ],
        "timelines": [[r[w]["timeline"] if r.get(w) else ["-"] for w in ("first", *LATER)] for r in runs],
        "errors": [e for r in runs for e in r.get("errors", [])],
    }


# ---- typingpull: typing as Codie's VS Code extension pulls ------------------------------
# vscode-languageclient 9.0.1's DiagnosticFeature (lib/common/diagnostic.js), as read for
# this scenario:
# - When: right after each didChange is written (DidChangeTextDocumentFeature's
#   onNotificationSent; incremental sync sends every change at once, no debounce), it pulls
#   (DiagnosticRequestor.pull) the document: no delay, no debounce. It pulls on didOpen
#   too, and every open document on each workspace/diagnostic/refresh from the server.
# - At most one pull per document in flight (openRequests). A pull asked for while one is
#   in flight cancels it (its token: the transport writes $/cancelRequest once) and is
#   rescheduled: no new request is written until the cancelled one is answered; then ONE
#   new pull goes, for the version current then (further changes meanwhile add nothing).
# - A cancelled pull's answer, whatever it is (a result, the RequestCancelled -32800 or
#   ServerCancelled -32802 error), counts as {full, items: []} with no resultId: the
#   document's diagnostics are set to [] until the re-pull answers, and that re-pull sends
#   no previousResultId. ContentModified gives the same empty answer, without a re-pull.
#   A ServerCancelled the client did not ask for re-pulls (unless its data says
#   retriggerRequest: false).
# - previousResultId: the resultId of the last answer applied (full or unchanged) for the
#   document; none on the first pull and after a cancelled one. An unchanged answer keeps
#   the items shown and takes its resultId.
# - workspace/diagnostic too (Codie registers workspaceDiagnostics: true), again 2 s after
#   each answer: Codie long-polls it (answered when a workspace result changes; none while
#   workspace diagnostics are off, the default), so it is not sent here.
def load_lspbench() -> Any:
    """lspbench.py as a module (its edit plan and percentiles: typingpull makes the edits
    the typing scenario makes, and counts its latencies the same way)."""
    spec = importlib.util.spec_from_file_location("lspbench", find_lspbench())
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class PullTyper:
    """One document's pulls as vscode-languageclient 9's DiagnosticRequestor makes them
    (see above); `step` handles what the server sent since the last call."""

    CANCELLED = (-32800, -32802)  # RequestCancelled, ServerCancelled

    def __init__(self, client: Client, uri: str, result_id: str | None, version: int) -> None:
        self.client, self.uri = client, uri
        provider = ((client.answers[1].get("result") or {}).get("capabilities") or {}).get("diagnosticProvider")
        self.identifier = provider.get("identifier") if isinstance(provider, dict) else None
        self.result_id = result_id
        self.version = version  # the document's version now
        self.items: list[Any] | None = None  # what the editor shows
        self.flight: tuple[int, int] | None = None  # (request id, version pulled)
        self.cancelled = False  # the pull in flight was cancelled: pull again once answered
        self.refreshes = len(client.refreshes)
        self.cancels = 0  # $/cancelRequest written
        self.errors: list[str] = []
        # (when, version pulled, items): each answer applied, not cancelled
        self.applied: list[tuple[float, int, list[Any]]] = []

    def pull(self) -> None:
        if self.flight is None:
            params: dict[str, Any] = {"textDocument": {"uri": self.uri}}
            if self.identifier is not None:  # the server's diagnosticProvider's, as lc9 sends
                params["identifier"] = self.identifier
            if self.result_id is not None:
                params["previousResultId"] = self.result_id
            ident, _ = self.client.request("textDocument/diagnostic", params)
            self.flight = (ident, self.version)
        elif not self.cancelled:
            self.client.send({"method": "$/cancelRequest", "params": {"id": self.flight[0]}})
            self.cancels += 1
            self.cancelled = True

    def pending(self) -> bool:
        """Something arrived that step() would handle."""
        return (self.flight is not None and self.flight[0] in self.client.answers) or len(
            self.client.refreshes
        ) > self.refreshes

    def step(self) -> None:
        if self.flight is not None and (msg := self.client.answers.get(self.flight[0])) is not None:
            ident, version = self.flight
            self.flight = None
            again = self.cancelled
            error = msg.get("error")
            if self.cancelled or (error and error.get("code") == -32801):
                self.items, self.result_id = [], None
            elif error and error.get("code") in self.CANCELLED:
                again = (error.get("data") or {}).get("retriggerRequest", True) is not False
            elif error:
                self.errors.append(f"pull of version {version}: {error}")
            else:
                report = msg.get("result") or {}
                if report.get("kind") == "full":
                    self.items = report.get("items") or []
                self.result_id = report.get("resultId")
                self.applied.append((self.client.answered_at[ident], version, self.items or []))
            self.cancelled = False
            if again:
                self.pull()
        if len(self.client.refreshes) > self.refreshes:
            self.refreshes = len(self.client.refreshes)
            self.pull()

    def until(self, deadline: float) -> None:
        """Handle answers and refreshes as they come, until `deadline` (perf_counter)."""
        while (left := deadline - time.perf_counter()) > 0:
            self.client.wait(self.pending, left)
            with self.client.cond:
                self.step()


def typingpull_run(cmd: str, folder: Path, text: str, pace: float, lspbench: Any) -> dict[str, Any]:
    """One server start: open the file as VS Code does (didOpen, a pull, a pull again on
    each refresh until it settles), wait 1 s as lspbench does, then lspbench's 50 typing
    edits at `pace`, pulling after each as vscode-languageclient 9 does (PullTyper).
    An edit's latency: its didChange -> the first applied answer to a pull of exactly its
    version (as the typing scenario times the publish of exactly its version); an edit
    whose version was never pulled or answered because a newer one came is superseded."""
    client = Client(cmd, folder)
    try:
        if initialize(client, folder, pull=True) is None:
            return {"errors": ["no answer to initialize"]}
        uri = (folder / "typing.py").as_uri()
        opened = pull_times(client, uri, text)
        time.sleep(1.0)  # lspbench's --settle
        plan, _ = lspbench.plan_edits(text, 50)
        lines = text.splitlines(keepends=True)
        typer = PullTyper(client, uri, opened.get("result_id"), 1)
        sent: dict[int, float] = {}
        cpu = client.cpu_ms()
        start = time.perf_counter()
        for i, edit in enumerate(plan):
            typer.until(start + i * pace)
            line = edit["line"]
            if edit["kind"] == "insert":
                lines.insert(line, edit["text"])
                end = line
            else:
                del lines[line]
                end = line + 1
            change = {
                "range": {"start": {"line": line, "character": 0}, "end": {"line": end, "character": 0}},
                "text": edit["text"] if edit["kind"] == "insert" else "",
            }
            with client.cond:
                typer.version += 1
                sent[typer.version] = client.send(
                    {
                        "method": "textDocument/didChange",
                        "params": {
                            "textDocument": {"uri": uri, "version": typer.version},
                            "contentChanges": [change],
                        },
                    }
                )
                typer.pull()
        # the last edit's answer, and what the server sends after it (a refresh) for SETTLE s
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline and (
            typer.flight is not None or not typer.applied or (typer.applied[-1][1] != typer.version)
        ):
            typer.until(time.perf_counter() + 0.05)
        typer.until(time.perf_counter() + SETTLE)
        cpu_after = client.cpu_ms()
        # a fresh client's view of the final text: what the last answer must equal
        fresh, _ = client.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
        client.wait(lambda: fresh in client.answers, 30)
        final = ((client.answers.get(fresh) or {}).get("result") or {}).get("items")
        exact: dict[int, float] = {}
        for at, version, _ in typer.applied:
            exact.setdefault(version, at)
        latencies = [(exact[v] - t) * 1000 for v, t in sent.items() if v in exact]
        return {
            "p50": lspbench.percentile(latencies, 50),
            "p95": lspbench.percentile(latencies, 95),
            "max": max(latencies, default=None),
            "sent": len(sent),
            "answered": len(latencies),
            "superseded": sum(1 for v in sent if v not in exact and any(w > v for w in exact)),
            "cancels": typer.cancels,
            "refreshes": len(client.refreshes),
            "pulls": len(typer.applied),
            # the server's CPU, every thread, per edit over the typing and its settling
            "cpu_per_edit": (cpu_after - cpu) / len(sent) if cpu is not None and cpu_after is not None else None,
            "final_ok": typer.items == final and typer.applied[-1][1] == typer.version if typer.applied else False,
            "errors": typer.errors,
        }
    finally:
        client.close()


def typingpull_runs(cmd: str, repeat: int, tmp: Path, pace: float) -> dict[str, Any]:
    """typingpull_run `repeat` times, each with a workspace of its own: medians."""
    lspbench = load_lspbench()
    text = stdlib_large()
    runs = []
    for _ in range(repeat):
        folder = Path(tempfile.mkdtemp(prefix="typingpull-", dir=tmp))
        (folder / "typing.py").write_text(text, encoding="utf-8")
        runs.append(typingpull_run(cmd, folder, text, pace, lspbench))

    def med(key: str) -> float | None:
        values = [r[key] for r in runs if isinstance(r.get(key), (int, float))]
        return statistics.median(values) if values else None

    return {
        **{key: med(key) for key in ("p50", "p95", "max", "cpu_per_edit")},
        **{
            key: sum(r.get(key) or 0 for r in runs)
            for key in ("sent", "answered", "superseded", "cancels", "refreshes", "pulls")
        },
        "final_ok": [r.get("final_ok") for r in runs],
        "errors": [e for r in runs for e in r.get("errors", [])],
    }


def print_typingpull(results: dict[str, dict[str, Any]]) -> None:
    print(
        f"{'typingpull':<10} {'server':<6} {'edit p50':>9} {'p95':>8} {'max':>8} {'answered':>9} "
        f"{'supersed':>8} {'cancels':>7} {'refresh':>7} {'cpu/edit':>8}  last answer = a fresh pull's"
    )
    for label, r in results.items():
        print(
            f"{'typingpull':<10} {label:<6} {fmt(r.get('p50')):>9} {fmt(r.get('p95')):>8} {fmt(r.get('max')):>8} "
            f"{r['answered']:>4}/{r['sent']:<4} {r['superseded']:>8} {r['cancels']:>7} {r['refreshes']:>7} "
            f"{fmt(r.get('cpu_per_edit')):>8}  {r['final_ok']}"
        )
        for err in r.get("errors", []):
            print(f"    error: {err}")
    print(
        "  typingpull: didChange -> the answer to vscode-languageclient 9's pull of exactly that version "
        "(cancels: $/cancelRequest written for superseded pulls; refresh: workspace/diagnostic/refresh "
        "received; cpu/edit: the server's CPU ms, every thread, per edit)"
    )


def print_open(results: dict[str, dict[str, Any]], scenario: str = "open") -> None:
    print(
        f"{scenario:<8} {'server':<6} {'1st file: first':>16} {'(cpu)':>7} {'complete':>9} "
        f"{'later file: first':>18} {'(cpu)':>7} {'complete':>9} "
        f"{'reopened: first':>16} {'(cpu)':>7} {'complete':>9}   first/all diagnostics in publishes (run 1)"
    )
    for label, r in results.items():
        print(
            f"{scenario:<8} {label:<6} {fmt(r.get('first')):>16} {fmt(r.get('first_cpu')):>7} "
            f"{fmt(r.get('first_complete')):>9} {fmt(r.get('later')):>18} {fmt(r.get('later_cpu')):>7} "
            f"{fmt(r.get('later_complete')):>9} {fmt(r.get('reopened')):>16} {fmt(r.get('reopened_cpu')):>7} "
            f"{fmt(r.get('reopened_complete')):>9}   {'; '.join(r.get('counts', []))}"
        )
        for err in r.get("errors", []):
            print(f"    error: {err}")
    for label, r in results.items():
        if r.get("session_peak") is not None:
            print(
                f"  {label}: the session's peak RSS (VmHWM, the server and its children summed) "
                f"{r['session_peak']:.1f} MiB; a style model trained in the runs: {r.get('trained')}"
            )
    print(
        "  publishes that changed the set, ms after didOpen / diagnostics, per run (first file; later file; reopened):"
    )
    for label, r in results.items():
        runs = ["; ".join(" ".join(times) for times in files) for files in r.get("timelines", [])]
        print(f"    {label:<6} " + " | ".join(runs))


def row(summary: dict[str, Any]) -> dict[str, Any]:
    med = summary.get("median") or {}
    runs = summary.get("runs") or []
    edits = [r.get("edit") or {} for r in runs]
    return {
        "init": med.get("initialize_ms"),
        "cold": med.get("cold_start_ms"),  # process start -> first diagnostics
        "open": med.get("open_to_diag_ms"),
        "p50": med.get("edit_p50_ms"),
        "p95": med.get("edit_p95_ms"),
        "max": med.get("edit_max_ms"),
        "sent": sum(e.get("sent", 0) for e in edits),
        "answered": sum(e.get("received", 0) for e in edits),
        "superseded": sum(e.get("superseded", 0) for e in edits),
        "timed_out": sum(e.get("timed_out", 0) for e in edits),
        # how many diagnostics the first publish after didOpen held, and how many the file
        # has once analysed (open->diag times the first publish, whatever it holds)
        "first": runs[0].get("first_publish_ndiag") if runs else None,
        "all": runs[0].get("baseline_ndiag") if runs else None,
        "vmhwm": med.get("vmhwm_mib"),
        "tree": med.get("tree_rss_peak_mib"),
        "cpu": med.get("server_cpu_s"),
        "errors": [e for r in runs for e in r.get("errors", [])],
    }


def fmt(value: Any, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def ratio(a: Any, b: Any) -> str:
    return f"x{a / b:.1f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--pace", type=float, default=0.2, help="seconds between typing edits (0.1-0.3 is typing)")
    ap.add_argument("--codie", default=f"{ROOT / '.venv' / 'bin' / 'codie'} serve")
    ap.add_argument("--ruff", default=None, help="ruff server command (default: the venv's ruff)")
    ap.add_argument(
        "--other",
        action="append",
        default=[],
        metavar="LABEL=CMD",
        help="another codie command in the same run (e.g. base=\"sh -c 'PYTHONPATH=../base/server exec "
        "python -m codie serve'\")",
    )
    ap.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON (bench/perf_table.py)")
    ap.add_argument(
        "--warm",
        action="store_true",
        help="start codie with its user cache folder as it is (default: an empty one per start, as after installing)",
    )
    args = ap.parse_args()
    lspbench = find_lspbench()
    servers = {"codie": args.codie}
    for other in args.other:
        label, _, cmd = other.partition("=")
        if not label or not cmd or label in ("codie", "ruff"):
            raise SystemExit(f"--other {other!r}: expected LABEL=CMD (a label other than codie and ruff)")
        servers[label] = cmd
    servers["ruff"] = args.ruff or default_ruff()
    load_before = os.getloadavg()
    results: dict[tuple[str, str], dict[str, Any]] = {}
    opens: dict[str, dict[str, Any]] = {}
    opens50k: dict[str, dict[str, Any]] = {}
    opens_pull: dict[str, dict[str, Any]] = {}
    typing_pull: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="codie-editor-bench-") as tmp:
        big = Path(tmp) / "big" / "stdlib50k.py"
        big.parent.mkdir()
        big.write_text(stdlib_repeated(50_000), encoding="utf-8")
        if not args.warm:
            # every start cold: an empty cache folder (no start-up code cache, no filed
            # `initialize` answer); `exec` keeps the pid lspbench samples for memory
            starts = Path(tmp) / "caches"
            starts.mkdir()
            for label, cmd in servers.items():
                if label != "ruff":
                    servers[label] = "sh -c " + shlex.quote(
                        f'CODIE_CACHE_DIR="$(mktemp -d -p {shlex.quote(str(starts))})" exec {cmd}'
                    )
        for name in args.scenarios.split(","):
            for label, server in servers.items():
                print(f"[editor_bench] {name}: {label} ...", file=sys.stderr, flush=True)
                if name == "open":
                    opens[label] = open_runs(server, args.repeat, Path(tmp))
                    continue
                if name == "openpull":
                    opens_pull[label] = open_runs(server, args.repeat, Path(tmp), pull=True)
                    continue
                if name == "typingpull":
                    typing_pull[label] = typingpull_runs(server, args.repeat, Path(tmp), args.pace)
                    continue
                if name == "open50k":
                    opens50k[label] = open_runs(server, args.repeat, Path(tmp), big.read_text(encoding="utf-8"))
                    continue
                summary = run_cold(lspbench, server, name, args.pace, args.repeat, Path(tmp) / "runs")
                results[(name, label)] = row(summary)
    load_after = os.getloadavg()
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "rows": [{"scenario": name, "server": label, **r} for (name, label), r in results.items()],
                    "open": opens,
                    "open50k": opens50k,
                    "openpull": opens_pull,
                    "typingpull": typing_pull,
                    "servers": servers,
                    "repeat": args.repeat,
                    "pace": args.pace,
                    "load": [load_before[0], load_after[0]],
                },
                indent=1,
            )
        )
    head = (
        f"{'scenario':<8} {'server':<6} {'init':>6} {'cold':>7} {'open->diag':>10} {'edit p50':>9} "
        f"{'p95':>8} {'max':>8} {'1st/all':>9} "
        f"{'answered':>9} {'supersed':>8} {'timeout':>7} {'VmHWM':>7} {'tree':>7} {'cpu s':>6}"
    )
    if results:  # (lspbench rows: none when only the other scenarios ran)
        print(head)
    for (name, label), r in results.items():
        print(
            f"{name:<8} {label:<6} {fmt(r['init']):>6} {fmt(r['cold']):>7} {fmt(r['open']):>10} {fmt(r['p50']):>9} "
            f"{fmt(r['p95']):>8} {fmt(r['max']):>8} {fmt(r['first']) + '/' + fmt(r['all']):>9} "
            f"{r['answered']:>4}/{r['sent']:<4} {r['superseded']:>8} {r['timed_out']:>7} {fmt(r['vmhwm']):>7} "
            f"{fmt(r['tree']):>7} {fmt(r['cpu'], 2):>6}"
        )
        for err in r["errors"]:
            print(f"    error: {err}")
    if opens:
        print_open(opens)
    if opens50k:
        print_open(opens50k, "open50k")
    if opens_pull:
        print_open(opens_pull, "openpull")
    if typing_pull:
        print_typingpull(typing_pull)
    print("codie / ruff (same run):")
    for name in args.scenarios.split(","):
        if name == "typingpull":
            c, f = typing_pull.get("codie", {}), typing_pull.get("ruff", {})
            print(f"  typingpull p50 {ratio(c.get('p50'), f.get('p50'))}, p95 {ratio(c.get('p95'), f.get('p95'))}")
            continue
        if name == "open50k":
            c, f = opens50k.get("codie", {}), opens50k.get("ruff", {})
            print(
                f"  open50k  first publish {ratio(c.get('first'), f.get('first'))} "
                f"(complete {ratio(c.get('first_complete'), f.get('first_complete'))})"
            )
            continue
        if name in ("open", "openpull"):
            c, f = (
                (opens if name == "open" else opens_pull).get("codie", {}),
                (opens if name == "open" else opens_pull).get("ruff", {}),
            )
            print(
                f"  {name:<8} first file {ratio(c.get('first'), f.get('first'))} "
                f"(complete {ratio(c.get('first_complete'), f.get('first_complete'))}), "
                f"later file {ratio(c.get('later'), f.get('later'))} "
                f"(complete {ratio(c.get('later_complete'), f.get('later_complete'))}), "
                f"reopened {ratio(c.get('reopened'), f.get('reopened'))} "
                f"(complete {ratio(c.get('reopened_complete'), f.get('reopened_complete'))})"
            )
            continue
        c, f = results.get((name, "codie"), {}), results.get((name, "ruff"), {})
        print(
            f"  {name:<8} initialize {ratio(c.get('init'), f.get('init'))}, "
            f"cold {ratio(c.get('cold'), f.get('cold'))}, "
            f"open {ratio(c.get('open'), f.get('open'))}, p50 {ratio(c.get('p50'), f.get('p50'))}, "
            f"p95 {ratio(c.get('p95'), f.get('p95'))}, tree RSS {ratio(c.get('tree'), f.get('tree'))}"
        )
    print(
        f"machine: {os.cpu_count()} cores, load average {load_before[0]:.1f} before / {load_after[0]:.1f} after; "
        f"medians of {args.repeat} cold runs per row; times in ms (init: process start -> `initialize` answered, "
        "cold: process start -> first diagnostics; 1st/all: diagnostics in the first publish after didOpen / "
        "once analysed, first run), memory in MiB (tree: the server's whole process tree, sampled)"
    )


if __name__ == "__main__":
    main()
