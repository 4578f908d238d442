"""Background workspace analysis of the standard library, and edit latency meanwhile.

Starts `codie serve` over stdio with the standard library (site-packages excluded, about
850,000 lines) as the only workspace folder and workspace diagnostics on. It then:
- asks `workspace/diagnostic` and times the answer (the scan is complete then);
- while the scan runs, edits an open file every 100 ms and times didChange ->
  publishDiagnostics (the server's event loop must stay responsive);
- samples the resident memory of the server and its worker processes every 100 ms.

Prints the figures. Run: .venv/bin/python bench/workspace_bench.py [--jobs N] [--root DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import sysconfig
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


def tree_rss_kb(pid: int) -> int:
    """RSS of pid and every process whose parent is pid (the worker pool)."""
    total = rss_kb(pid)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            total += rss_kb(int(entry))
    return total


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--jobs", type=int, default=0, help="workers (default: the server's)")
    args = parser.parse_args()
    root: Path = args.root.resolve()
    files = [p for p in root.rglob("*.py") if "site-packages" not in p.parts]
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"workspace: {root} ({len(files)} .py files, {lines:,} lines; site-packages excluded)")

    client = LanguageClient("bench", "1")
    published: dict[int, float] = {}
    opened = (root / "argparse.py").as_uri()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_publish(params: types.PublishDiagnosticsParams) -> None:
        if params.uri == opened and params.version is not None:
            published.setdefault(params.version, time.perf_counter())

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def on_create(params: types.WorkDoneProgressCreateParams) -> None:
        return None

    @client.feature(types.PROGRESS)
    def on_progress(params: types.ProgressParams) -> None:
        return None

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
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(
            window=types.WindowClientCapabilities(work_done_progress=True),
            workspace=types.WorkspaceClientCapabilities(configuration=True)),
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="stdlib")],
        initialization_options=settings))
    client.initialized(types.InitializedParams())
    started = time.perf_counter()
    text = (root / "argparse.py").read_text()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=opened, language_id="python", version=1, text=text)))

    peak = 0
    scan = asyncio.ensure_future(client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(previous_result_ids=[])))
    latencies: list[float] = []
    version = 1
    line = text.count("\n") // 2
    next_sample = 0.0
    while not scan.done():
        now = time.perf_counter()
        if now >= next_sample:
            peak = max(peak, tree_rss_kb(server.pid))
            next_sample = now + 0.1
        version += 1
        sent = time.perf_counter()
        insert = version % 2 == 0  # insert an "x", then delete it: the file stays valid
        end = types.Position(line, 0 if insert else 1)
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=opened, version=version),
            content_changes=[types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(line, 0), end), text="x" if insert else "")]))
        deadline = sent + 5
        while version not in published and time.perf_counter() < deadline:
            await asyncio.sleep(0.001)
        if version in published:
            latencies.append((published[version] - sent) * 1000)
        await asyncio.sleep(0.1)
    report = scan.result()
    elapsed = time.perf_counter() - started
    total = sum(len(getattr(item, "items", ())) for item in report.items)
    peak = max(peak, tree_rss_kb(server.pid))
    print(f"scan: {len(report.items)} files reported, {total} diagnostics, {elapsed:.1f} s "
          f"({lines / elapsed:,.0f} lines/s)")
    print(f"peak memory (server + workers, RSS): {peak / 1024:.0f} MiB")
    if latencies:
        latencies.sort()
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        print(f"edit latency during the scan ({len(latencies)} edits): "
              f"p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms, "
              f"max {latencies[-1]:.1f} ms")
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


if __name__ == "__main__":
    asyncio.run(main())
