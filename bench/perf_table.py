"""Issue 15's figures next to ruff server's and Bandit's, from one run: the README's table.

    .venv/bin/python bench/perf_table.py [--repeat 3] [--headless-path DIR | --no-headless]
        [--callgraph-path DIR] [--out FILE]

Runs, one after the other, each from a cold start (new processes, empty caches, fresh
copies of the corpora):

  editor    bench/editor_bench.py --repeat N --scenarios typing,typingpull,burst,open,openpull,open50k
            (codie serve and ruff server alternately on ../shared/bench/lspbench.py's
            6,862-line file, and the 50,000-line one; see that script)
  callgraph codie callgraph COPY --no-cache --format pycg, twice, each on a new copy of
            --callgraph-path (default: this Python's standard library), measured as
            bench/callgraph_bench.py does: wall, CPU (its parser processes included), the
            peak RSS of its largest process, and whether the two outputs are the same bytes
  headless  bench/headless_check.py --path DIR: Bandit, codie check cold, codie check warm
            on a new copy of DIR (default: the standard library; about 12 minutes)

then prints a Markdown table, one row per target of issue 15: Codie's figure, the peer's
from the same run, the ratio, and whether the target is met; under it the machine (CPU
model, cores, memory), the date, the commit, the load average around each part, and the
command of each part. The README's "How fast" table is this output. Figures are wall-clock
on whatever machine runs it: compare within one table, not across machines or days.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
STDLIB = Path(sysconfig.get_paths()["stdlib"])


def run_json(argv: list[str], out: Path) -> dict[str, Any]:
    """Run a bench script that writes --json OUT; its own output goes to our stderr."""
    subprocess.run([sys.executable, *argv, "--json", str(out)], check=False, stdout=sys.stderr, cwd=ROOT)
    if not out.exists():
        raise SystemExit(f"{' '.join(argv)} wrote no figures")
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def callgraph_runs(source: Path, runs: int, tmp: Path) -> list[dict[str, Any]]:
    sys.path.insert(0, str(BENCH))
    from callgraph_bench import codie_cold  # (imports codie: only when this part runs)

    results = []
    for i in range(runs):
        copy = tmp / f"callgraph-{i}"
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc"))
        out = tmp / f"callgraph-{i}.json"
        load = os.getloadavg()[0]
        wall, cpu, rss, failed = codie_cold(copy, os.cpu_count() or 1, out)
        digest = "" if failed else hashlib.sha256(out.read_bytes()).hexdigest()
        results.append({"wall": wall, "cpu": cpu, "rss": rss, "failed": failed, "sha": digest, "load": load})
        print(f"[perf_table] callgraph run {i + 1}: {wall:.1f} s wall, {cpu:.1f} s CPU, {rss:.0f} MB", file=sys.stderr)
        shutil.rmtree(copy)
    return results


def callgraph_edits(source: Path, tmp: Path) -> list[dict[str, Any]]:
    """The editor's update of the graph after an edit (bench/callgraph_bench.py's incremental
    part: the graph of a copy of `source` built in this process, then 7 edits of each of 4
    modules, each reparsed incrementally and re-indexed as the language server does)."""
    sys.path.insert(0, str(BENCH))
    from callgraph_bench import incremental

    copy = tmp / "callgraph-edits"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc"))
    with contextlib.redirect_stdout(sys.stderr):
        figures = incremental(copy, os.cpu_count() or 1)
    shutil.rmtree(copy)
    return figures


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, IndexError, ValueError):
        pass
    return f"{model}, {os.cpu_count()} cores{memory}, Linux {platform.release()}, Python {platform.python_version()}"


# A fixed pure-Python workload: its CPU time says how fast this machine ran Python at that
# moment. On a shared virtual machine the same instructions took 2.8x the CPU in one
# afternoon as in the morning (the call graph: 17 s, then 48 s), so a table carries it.
PROBE = """import time
t = time.process_time()
d = {}
for i in range(2_000_000):
    d[i % 997] = d.get(i % 997, 0) + i
print(time.process_time() - t)
"""


def speed_probe() -> float:
    """The fastest of three runs of PROBE in a new interpreter, in CPU seconds."""
    runs = []
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
        runs.append(float(done.stdout))
    return min(runs)


def cpu_ticks() -> tuple[int, int]:
    """(all CPU ticks, stolen ticks) since boot, from /proc/stat: time the hypervisor gave
    this machine's virtual CPUs to someone else counts as steal."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return sum(fields[:8]), fields[7] if len(fields) > 7 else 0


def commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True)
        return head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")
    except OSError:
        return "?"


def ms(value: Any) -> str:
    if not isinstance(value, (int, float)):
        return "-"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"


def times(a: Any, b: Any) -> str:
    """a / b as x0.6 (below 1: Codie's figure is the smaller)."""
    return f"x{a / b:.1f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else "-"


def met(value: Any, limit: float) -> str:
    if not isinstance(value, (int, float)):
        return "not measured"
    return "met" if value <= limit else "not met"


def against_ruff(
    label: str, codie: dict[str, Any], ruff: dict[str, Any], key: str, limit: float
) -> tuple[str, str, str, str, str]:
    """A row of a time in ms (`key` of both servers' figures), its ratio and verdict."""
    return (
        label,
        ms(codie.get(key)),
        f"ruff {ms(ruff.get(key))}",
        times(codie.get(key), ruff.get(key)),
        met(codie.get(key), limit),
    )


def editor_rows(data: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    rows = {(r["scenario"], r["server"]): r for r in data["rows"]}
    typing, typing_ruff = rows.get(("typing", "codie"), {}), rows.get(("typing", "ruff"), {})
    burst, burst_ruff = rows.get(("burst", "codie"), {}), rows.get(("burst", "ruff"), {})
    opened, opened_ruff = data["open"].get("codie", {}), data["open"].get("ruff", {})
    big, big_ruff = data["open50k"].get("codie", {}), data["open50k"].get("ruff", {})
    pulled = data.get("openpull") or {}
    pulled, pulled_ruff = pulled.get("codie", {}), pulled.get("ruff", {})
    typed = data.get("typingpull") or {}
    typed, typed_ruff = typed.get("codie", {}), typed.get("ruff", {})
    tree = max((r.get("tree") or 0 for r in (typing, burst)), default=0) or None
    tree_ruff = max((r.get("tree") or 0 for r in (typing_ruff, burst_ruff)), default=0) or None
    lost = (burst.get("timed_out") or 0) + (typing.get("timed_out") or 0)
    answered = all(
        r.get("sent") and r.get("answered", 0) + r.get("superseded", 0) == r["sent"] and not r.get("timed_out")
        for r in (typing, burst)
    )
    return [
        against_ruff("edit → diagnostics p50, an edit every 0.2 s (≤ 5 ms)", typing, typing_ruff, "p50", 5),
        against_ruff("edit → diagnostics p95 (≤ 15 ms)", typing, typing_ruff, "p95", 15),
        against_ruff(
            "typing, pulled: the same edits by a client that pulls after each, as Codie's VS Code extension "
            "(vscode-languageclient 9) does: edit → the pull answered, p50 (≤ 5 ms)",
            typed,
            typed_ruff,
            "p50",
            5,
        ),
        against_ruff("typing, pulled: p95 (≤ 15 ms)", typed, typed_ruff, "p95", 15),
        (
            "500 edits without a pause: every version answered or superseded, none timed out",
            f"{burst.get('answered')} answered, {burst.get('superseded')} superseded, {lost} timed out; "
            f"the newest answered after {ms(burst.get('p50'))}",
            f"ruff answers each in turn: p50 {ms(burst_ruff.get('p50'))}",
            "",
            "met" if answered else "not met",
        ),
        against_ruff(
            "didOpen → first diagnostics, the first file after start-up (≤ 50 ms)", opened, opened_ruff, "first", 50
        ),
        against_ruff(
            "didOpen → first diagnostics, another file opened later (≤ 50 ms)", opened, opened_ruff, "later", 50
        ),
        against_ruff(
            "didOpen → first diagnostics, the first file's text reopened under another name (≤ 50 ms)",
            opened,
            opened_ruff,
            "reopened",
            50,
        ),
        against_ruff(
            "the same first file, opened by a client that pulls diagnostics, as Codie's VS Code extension "
            "(vscode-languageclient 9) and Neovim 0.10+ do: didOpen → the first pull answered (≤ 50 ms)",
            pulled,
            pulled_ruff,
            "first",
            50,
        ),
        against_ruff(
            "the later file, pulled (≤ 50 ms)",
            pulled,
            pulled_ruff,
            "later",
            50,
        ),
        against_ruff("process start → `initialize` answered (≤ 200 ms)", typing, typing_ruff, "init", 200),
        (
            "peak RSS of the server's process tree, typing and burst (≤ 80 MiB)",
            f"{tree:.1f} MiB" if tree else "-",
            f"ruff {tree_ruff:.1f} MiB" if tree_ruff else "-",
            times(tree, tree_ruff),
            met(tree, 80),
        ),
        (
            "the same over a session with its background work: three large files opened, the "
            "folder's style model trained, the call graph built (≤ 80 MiB)",
            (f"{opened['session_peak']:.1f} MiB" if opened.get("session_peak") else "-")
            + f" (a style model trained in {sum(1 for t in opened.get('trained') or [] if t)} of "
            f"{len(opened.get('trained') or [])} runs)",
            f"ruff {opened_ruff['session_peak']:.1f} MiB" if opened_ruff.get("session_peak") else "-",
            times(opened.get("session_peak"), opened_ruff.get("session_peak")),
            met(opened.get("session_peak"), 80),
        ),
        (
            "50,000-line file, first after start-up: didOpen → complete diagnostics (≤ 3 s)",
            f"{ms(big.get('first_complete'))} (first publish {ms(big.get('first'))})",
            f"ruff {ms(big_ruff.get('first_complete'))}",
            times(big.get("first_complete"), big_ruff.get("first_complete")),
            met(big.get("first_complete"), 3000),
        ),
    ]


def corpus_name(path: Path) -> str:
    return "the standard library" if path.resolve() == STDLIB.resolve() else f"`{path.name}`"


def callgraph_rows(runs: list[dict[str, Any]], path: Path) -> list[tuple[str, str, str, str, str]]:
    ok = [r for r in runs if not r["failed"]]
    name = corpus_name(path)
    if not ok:
        return [(f"`codie callgraph` of {name}", "failed: " + runs[0]["failed"], "", "", "not met")]
    wall = max(r["wall"] for r in ok)
    rss = max(r["rss"] for r in ok)
    same = len({r["sha"] for r in runs}) == 1 and len(ok) == len(runs)
    walls = " / ".join(f"{r['wall']:.1f}" for r in ok)
    cpus = " / ".join(f"{r['cpu']:.1f}" for r in ok)
    return [
        (
            f"`codie callgraph` of {name}, cold (≤ 20 s)",
            f"{walls} s wall ({cpus} s CPU)",
            "",
            "",
            met(wall, 20),
        ),
        ("the same, peak RSS of its largest process (≤ 500 MB)", f"{rss:.0f} MB", "", "", met(rss, 500)),
        (
            "the same, deterministic: two runs, the same bytes",
            f"sha256 {ok[0]['sha'][:12]}… in {len(ok)} of {len(runs)} runs",
            "",
            "",
            "met" if same else "not met",
        ),
    ]


def edit_rows(figures: list[dict[str, Any]]) -> list[tuple[str, str, str, str, str]]:
    if not figures:
        return []
    worst = max(f["median_ms"] for f in figures)
    each = ", ".join(f"`{f['module']}` {f['median_ms']:.0f} ({f['median_cpu_ms']:.0f})" for f in figures)
    return [
        (
            "an edit updates the editor's call graph, median per module, wall (CPU) (≤ 50 ms)",
            f"{each} ms",
            "",
            "",
            met(worst, 50),
        )
    ]


def headless_rows(data: dict[str, Any], path: Path) -> list[tuple[str, str, str, str, str]]:
    runs = data["runs"]
    bandit, cold, warm = runs["bandit"], runs["codie cold"], runs["codie warm"]
    wall_ratio = bandit["wall"] / cold["wall"] if cold["wall"] else 0.0
    cpu_ratio = bandit["cpu"] / cold["cpu"] if cold["cpu"] else 0.0
    warm_ratio = cold["wall"] / warm["wall"] if warm["wall"] else 0.0
    corpus = f"{corpus_name(path)} ({data['files']:,} files, {data['lines']:,} lines)"
    return [
        (
            f"`codie check` cold on {corpus}: speed against Bandit's, wall and CPU (≥ 2×)",
            f"{cold['wall']:.1f} s wall, {cold['cpu']:.1f} s CPU",
            f"Bandit {bandit['wall']:.1f} s wall, {bandit['cpu']:.1f} s CPU",
            f"{wall_ratio:.2f}× / {cpu_ratio:.2f}× Bandit's speed",
            "met" if min(wall_ratio, cpu_ratio) >= 2 else "not met",
        ),
        (
            "`codie check` warm (the tree unchanged) against cold (≥ 10× faster), the same report",
            f"{warm['wall']:.1f} s wall: {warm_ratio:.0f}× faster; report "
            + ("identical" if data["warm_identical"] else "DIFFERENT"),
            "",
            "",
            "met" if warm_ratio >= 10 and data["warm_identical"] else "not met",
        ),
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="cold runs per editor scenario (medians)")
    ap.add_argument("--callgraph-path", type=Path, default=STDLIB)
    ap.add_argument("--headless-path", type=Path, default=STDLIB)
    ap.add_argument("--no-headless", action="store_true", help="skip `codie check` and Bandit (~12 min on the stdlib)")
    ap.add_argument("--out", type=Path, help="also write the table here")
    args = ap.parse_args()
    started = datetime.datetime.now(datetime.UTC)
    rows: list[tuple[str, str, str, str, str]] = []
    notes = []
    probe_before = speed_probe()
    ticks_before = cpu_ticks()
    with tempfile.TemporaryDirectory(prefix="codie-perf-table-") as tmp:
        work = Path(tmp)
        editor_cmd = [
            "bench/editor_bench.py",
            "--repeat",
            str(args.repeat),
            "--scenarios",
            "typing,typingpull,burst,open,openpull,open50k",
        ]
        load = os.getloadavg()[0]
        editor = run_json(editor_cmd, work / "editor.json")
        rows += editor_rows(editor)
        notes.append(
            f"editor rows: `.venv/bin/python {' '.join(editor_cmd)}`, medians of {args.repeat} cold starts per "
            f"server, load {load:.1f} before / {editor['load'][1]:.1f} after"
        )
        graph = callgraph_runs(args.callgraph_path, 2, work)
        rows += callgraph_rows(graph, args.callgraph_path)
        edits = callgraph_edits(args.callgraph_path, work)
        rows += edit_rows(edits)
        notes.append(
            f"call graph rows: `.venv/bin/codie callgraph COPY --no-cache --format pycg -j {os.cpu_count()} -o OUT` "
            f"on two fresh copies of {args.callgraph_path} (as `bench/callgraph_bench.py` runs it), load "
            + " / ".join(f"{r['load']:.1f}" for r in graph)
            + " at their starts; the edit row: `bench/callgraph_bench.py`'s incremental part (a graph of another "
            "copy built in-process, then 7 edits of each module, reparsed and re-indexed as the editor does)"
        )
        if not args.no_headless:
            headless_cmd = ["bench/headless_check.py", "--path", str(args.headless_path)]
            headless = run_json(headless_cmd, work / "headless.json")
            rows += headless_rows(headless, args.headless_path)
            notes.append(
                f"headless rows: `.venv/bin/python {' '.join(headless_cmd)}` (Bandit, then codie check cold and warm "
                f"on one fresh copy, -j {headless['jobs']}), load {headless['load'][0].split()[0]} before / "
                f"{headless['load'][1].split()[0]} after"
            )
    probe_after = speed_probe()
    ticks_after = cpu_ticks()
    total, stolen = (after - before for after, before in zip(ticks_after, ticks_before, strict=True))
    notes.append(
        f"the machine's speed: a fixed Python loop (`bench/perf_table.py` PROBE) took {probe_before:.3f} s of CPU "
        f"before and {probe_after:.3f} s after; the hypervisor took {100 * stolen / max(total, 1):.1f} % of the "
        "CPU time as steal in between. Compare tables from runs whose probe figures are close."
    )
    lines = [
        "| issue 15's target | Codie | peer, same run | ratio | |",
        "|---|---|---|---|---|",
        *(f"| {target} | {codie} | {peer} | {ratio} | {verdict} |" for target, codie, peer, ratio, verdict in rows),
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC on {machine()}, commit {commit()}, by "
        f"`.venv/bin/python bench/perf_table.py --repeat {args.repeat}"
        + (" --no-headless" if args.no_headless else "")
        + (f" --callgraph-path {args.callgraph_path}" if args.callgraph_path != STDLIB else "")
        + (f" --headless-path {args.headless_path}" if args.headless_path != STDLIB and not args.no_headless else "")
        + "`:",
        *(f"- {note}" for note in notes),
    ]
    table = "\n".join(lines) + "\n"
    print(table)
    if args.out is not None:
        args.out.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
