"""The editor's figures next to ruff server's, from one run, each server started cold.

Drives ../shared/bench/lspbench.py (the team's server-neutral LSP benchmark) once per
scenario and server, alternating servers so that both see the same machine load:

  typing  the 6,862-line stdlib file (`--stdlib-file large`), 50 edits at --pace seconds
          (default 0.2: typing speed), edit -> diagnostics for exactly that version
  burst   the same file, 500 edits with no pause: every version must be answered or
          superseded by a newer one (lspbench counts both), never time out
  50k     the stdlib file repeated to 50,000 lines (bench/analyzer_profile.py builds it):
          open -> complete diagnostics, and 10 edits

    .venv/bin/python bench/editor_bench.py [--repeat 3] [--scenarios typing,burst,50k]
        [--pace 0.2] [--codie ".venv/bin/codie serve"] [--ruff "ruff server"] [--warm]

Codie starts cold every time (an empty cache folder per start) unless --warm is given.

Prints one row per scenario and server (medians of --repeat cold runs), then codie/ruff
ratios, the load average and the core count. Figures are wall-clock on whatever machine
runs it: read them with the load printed next to them.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bigfiles import stdlib_repeated  # noqa: E402

SCENARIOS = ("typing", "burst", "50k")


def find_lspbench() -> Path:
    """../shared/bench/lspbench.py next to the checkout (or its parent, for worktrees)."""
    env = os.environ.get("CODIE_LSPBENCH")
    candidates = [Path(env)] if env else []
    candidates += [p / "shared" / "bench" / "lspbench.py" for p in ROOT.parents]
    for path in candidates:
        if path.is_file():
            return path
    raise SystemExit("lspbench.py not found: set CODIE_LSPBENCH=/path/to/lspbench.py")


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


def run_one(lspbench: Path, server: str, args: list[str], repeat: int, out: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(lspbench), *args, "--repeat", str(repeat), "--no-table", "--json-out", str(out)]
    cmd += ["--", *shlex.split(server)]
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=sys.stderr)
    lines = out.read_text().splitlines() if out.exists() else []
    out.unlink(missing_ok=True)
    if not lines:
        return {"ok": False}
    summary: dict[str, Any] = json.loads(lines[-1])
    return summary


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
        "--warm",
        action="store_true",
        help="start codie with its user cache folder as it is (default: an empty one per start, as after installing)",
    )
    args = ap.parse_args()
    lspbench = find_lspbench()
    servers = {"codie": args.codie, "ruff": args.ruff or default_ruff()}
    load_before = os.getloadavg()
    results: dict[tuple[str, str], dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="codie-editor-bench-") as tmp:
        big = Path(tmp) / "big" / "stdlib50k.py"
        big.parent.mkdir()
        big.write_text(stdlib_repeated(50_000), encoding="utf-8")
        if not args.warm:
            # every start cold: an empty cache folder (no start-up code cache, no filed
            # `initialize` answer); `exec` keeps the pid lspbench samples for memory
            starts = Path(tmp) / "caches"
            starts.mkdir()
            servers["codie"] = "sh -c " + shlex.quote(
                f'CODIE_CACHE_DIR="$(mktemp -d -p {shlex.quote(str(starts))})" exec {args.codie}'
            )
        for name in args.scenarios.split(","):
            for label, server in servers.items():
                print(f"[editor_bench] {name}: {label} ...", file=sys.stderr, flush=True)
                summary = run_one(lspbench, server, scenario_args(name, args.pace, big), args.repeat, Path(tmp) / "o")
                results[(name, label)] = row(summary)
    load_after = os.getloadavg()
    head = (
        f"{'scenario':<8} {'server':<6} {'init':>6} {'cold':>7} {'open->diag':>10} {'edit p50':>9} "
        f"{'p95':>8} {'max':>8} {'1st/all':>9} "
        f"{'answered':>9} {'supersed':>8} {'timeout':>7} {'VmHWM':>7} {'tree':>7} {'cpu s':>6}"
    )
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
    print("codie / ruff (same run):")
    for name in args.scenarios.split(","):
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
