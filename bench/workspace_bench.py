"""Background workspace analysis of the standard library, and edit latency meanwhile.

Starts `codie serve` over stdio with the standard library (site-packages excluded, about
850,000 lines) as the only workspace folder and workspace diagnostics on. It then:
- times the scan: until the `$/progress` end (push mode, like Neovim) or until the answer
  to `workspace/diagnostic` (pull mode, like VS Code);
- while the scan runs, edits an open file every 100 ms and times didChange ->
  publishDiagnostics (push) or didChange -> textDocument/diagnostic answered (pull);
- samples the resident memory of the server and its worker processes every 100 ms.

Prints the figures. Run:
    .venv/bin/python bench/workspace_bench.py [--mode push|pull] [--jobs N] [--copies N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(pid: int) -> tuple[int, int]:
    """RSS of pid, and the sum over the processes whose parent is pid (the worker pool)."""
    children = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children += rss_kb(int(entry))
    return rss_kb(pid), children


def synthetic(stdlib: Path, copies: int) -> Path:
    """A workspace of `copies` folders, each the stdlib's .py files (symlinked, no copying)."""
    base = Path(tempfile.mkdtemp(prefix="codie-bench-"))
    for n in range(copies):
        for path in stdlib.rglob("*.py"):
            if "site-packages" in path.parts:
                continue
            target = base / f"copy{n}" / path.relative_to(stdlib)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    (base / "argparse.py").symlink_to(stdlib / "argparse.py")
    return base


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--jobs", type=int, default=0, help="workers (default: the server's)")
    parser.add_argument(
        "--mode",
        choices=("push", "pull"),
        default="push",
        help="push: publishDiagnostics (Neovim); pull: workspace/diagnostic",
    )
    parser.add_argument(
        "--copies", type=int, default=1, help="a synthetic workspace of N symlinked copies (N=6: ~10,700 files)"
    )
    args = parser.parse_args()
    root: Path = args.root.resolve()
    if args.copies > 1:
        root = synthetic(root, args.copies)
    files = [p for p in root.rglob("*.py") if "site-packages" not in p.parts]
    # (rglob does not follow symlinked folders; the synthetic workspace links files only)
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"workspace: {root} ({len(files)} .py files, {lines:,} lines; site-packages excluded)")

    client = LanguageClient("bench", "1")
    published: dict[int, float] = {}
    pushed: dict[str, int] = {}
    scan_end = asyncio.Event()
    opened = (root / "argparse.py").as_uri()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_publish(params: types.PublishDiagnosticsParams) -> None:
        if params.uri == opened and params.version is not None:
            published.setdefault(params.version, time.perf_counter())
        elif params.uri != opened:
            pushed[params.uri] = len(params.diagnostics)

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def on_create(params: types.WorkDoneProgressCreateParams) -> None:
        return None

    @client.feature(types.PROGRESS)
    def on_progress(params: types.ProgressParams) -> None:
        if isinstance(params.value, dict) and params.value.get("kind") == "end":
            scan_end.set()

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def on_configuration(params: types.ConfigurationParams) -> list[None]:
        return [None for _ in params.items]

    env = {**os.environ, "PYTHONPATH": str(ROOT / "server")}
    await client.start_io(sys.executable, "-m", "codie", "serve", env=env)
    server = client._server
    assert server is not None
    workspace: dict[str, object] = {"diagnostics": True}
    if args.jobs:
        workspace["jobs"] = args.jobs
    settings = {"extendExclude": ["site-packages/**"], "workspace": workspace}
    pull = args.mode == "pull"
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                window=types.WindowClientCapabilities(work_done_progress=True),
                workspace=types.WorkspaceClientCapabilities(configuration=True),
                text_document=types.TextDocumentClientCapabilities(diagnostic=types.DiagnosticClientCapabilities())
                if pull
                else None,
            ),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="stdlib")],
            initialization_options=settings,
        )
    )
    client.initialized(types.InitializedParams())
    started = time.perf_counter()
    text = (root / "argparse.py").read_text()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=opened, language_id="python", version=1, text=text))
    )

    peak = peak_server = peak_workers = 0
    done: asyncio.Future[object] = asyncio.ensure_future(
        client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[]))
        if pull
        else scan_end.wait()
    )
    latencies: list[float] = []
    when: list[tuple[float, float]] = []  # (latency ms, seconds into the scan)
    version = 1
    line = text.count("\n") // 2
    next_sample = 0.0
    while not done.done():
        now = time.perf_counter()
        if now >= next_sample:
            own, workers = tree_rss_kb(server.pid)
            peak, peak_server = max(peak, own + workers), max(peak_server, own)
            peak_workers = max(peak_workers, workers)
            next_sample = now + 0.1
        version += 1
        sent = time.perf_counter()
        insert = version % 2 == 0  # insert an "x", then delete it: the file stays valid
        end = types.Position(line, 0 if insert else 1)
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=opened, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(types.Position(line, 0), end), text="x" if insert else ""
                    )
                ],
            )
        )
        if pull:  # what VS Code does after an edit: pull the document's diagnostics
            await client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(opened))
            )
            published[version] = time.perf_counter()
        deadline = sent + 5
        while version not in published and time.perf_counter() < deadline:
            await asyncio.sleep(0.001)
        if version in published:
            latencies.append((published[version] - sent) * 1000)
            when.append((latencies[-1], sent - started))
        await asyncio.sleep(0.1)
    elapsed = time.perf_counter() - started
    if pull:
        report = done.result()
        items = getattr(report, "items", ())
        files, total = len(items), sum(len(getattr(item, "items", ())) for item in items)
    else:
        files, total = len(pushed), sum(pushed.values())
    print(
        f"mode: {args.mode}; scan: {files} files {'reported' if pull else 'with findings'}, "
        f"{total} diagnostics, {elapsed:.1f} s ({lines / elapsed:,.0f} lines/s)"
    )
    print(
        f"peak memory (RSS): {peak / 1024:.0f} MiB together; server {peak_server / 1024:.0f}"
        f" MiB, workers {peak_workers / 1024:.0f} MiB"
    )
    if latencies:
        latencies.sort()
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        print(
            f"edit latency during the scan ({len(latencies)} edits): "
            f"p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms, "
            f"max {latencies[-1]:.1f} ms"
        )
        slowest = ", ".join(f"{ms:.0f} ms at {t:.1f} s" for ms, t in sorted(when)[-3:])
        print(f"slowest edits: {slowest}")
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    if args.copies > 1:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
