"""`codie check` cold and warm next to Bandit, on a fresh copy of the standard library.

    .venv/bin/python bench/headless_check.py [--path DIR] [--jobs N] [--keep DIR] [--other CODIE]

One run, from a cold start: the corpus is copied into a new temporary folder (every
`*.py` of the standard library outside site-packages: new paths, new mtimes, no
`.codie` store), `codie check` gets a new empty result cache (CODIE_CACHE_DIR) and Bandit
a new process. Then, in this order:

  bandit      bandit -r COPY -f json          (Bandit's default plugins)
  codie cold  codie check COPY --format json  (every analyzer, nothing cached)
  codie warm  the same command again          (the tree unchanged: results from the cache)

--other CODIE (another checkout's `codie`, e.g. /work/main/.venv/bin/codie) adds a cold run of
it on the same copy right after codie's, with its own empty result cache, and says whether
its report is byte-identical: two commits compared in one run, at one load.

Each line shows wall time and CPU time (user + sys of the child processes, from
getrusage(RUSAGE_CHILDREN), so codie's worker processes count), lines/s, and the ratios:
Bandit / codie (above 1: codie is faster) and cold / warm. It also checks that the warm
report is byte-identical to the cold one. The load average is printed before and after:
on a shared machine, wall-clock figures measure the neighbours too; CPU time less so.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Timing:
    name: str
    wall: float
    cpu: float
    code: int


def copy_corpus(source: Path, dest: Path) -> tuple[int, int]:
    """Every *.py under source except site-packages, copied to dest: (files, lines)."""
    files = lines = 0
    for path in sorted(source.rglob("*.py")):
        rel = path.relative_to(source)
        if rel.parts[0] in ("site-packages", "dist-packages") or not path.is_file():
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        data = path.read_bytes()
        target.write_bytes(data)
        files += 1
        lines += data.count(b"\n")
    return files, lines


def timed(name: str, cmd: list[str], env: dict[str, str]) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr.decode(errors="replace")[-2000:])
    return Timing(name, wall, cpu, proc.returncode)


def load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--path", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", type=Path, help="work in this folder (emptied first) and keep it")
    parser.add_argument("--other", type=Path, help="another codie executable to run cold on the same copy")
    parser.add_argument(
        "--json", type=Path, metavar="PATH", help="also write the figures as JSON (bench/perf_table.py)"
    )
    args = parser.parse_args(argv)
    bindir = Path(sys.executable).parent
    codie = shutil.which("codie", path=str(bindir))
    bandit = shutil.which("bandit", path=str(bindir)) or shutil.which("bandit")
    if codie is None or bandit is None:
        print("needs codie and bandit in this venv: pip install -e '.[dev]'", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="codie-bench-") as tmp:
        work = Path(tmp)
        if args.keep is not None:
            shutil.rmtree(args.keep, ignore_errors=True)
            work = args.keep
        corpus, cache, out = work / "stdlib", work / "cache", work / "out"
        out.mkdir(parents=True)
        files, lines = copy_corpus(args.path, corpus)
        env = {**os.environ, "CODIE_CACHE_DIR": str(cache)}
        env.pop("CODIE_DB", None)
        print(f"corpus: copy of {args.path} ({files:,} files, {lines:,} lines)")
        load_before = load()
        print(f"machine: {os.cpu_count()} cores, --jobs {args.jobs}; load average before: {load_before}")
        check = [codie, "check", str(corpus), "--format", "json", "--fail-on", "never", "-j", str(args.jobs)]
        runs = [
            timed("bandit", [bandit, "-q", "-r", str(corpus), "-f", "json", "-o", str(out / "bandit.json")], env),
            timed("codie cold", [*check, "-o", str(out / "cold.json")], env),
        ]
        if args.other is not None:
            other_env = {**env, "CODIE_CACHE_DIR": str(work / "cache-other")}
            other = [str(args.other), *check[1:], "-o", str(out / "other.json")]
            runs.append(timed("other cold", other, other_env))
        runs.append(timed("codie warm", [*check, "-o", str(out / "warm.json")], env))
        load_after = load()
        print(f"load average after: {load_after}")
        bandit_run, cold, warm = runs[0], runs[1], runs[-1]
        print(f"{'':12} {'wall s':>8} {'CPU s':>8} {'lines/s (wall)':>15}  exit")
        for r in runs:
            print(f"{r.name:12} {r.wall:8.1f} {r.cpu:8.1f} {lines / max(r.wall, 1e-9):15,.0f}  {r.code}")
        wall_ratio, cpu_ratio = bandit_run.wall / cold.wall, bandit_run.cpu / max(cold.cpu, 1e-9)
        print(f"bandit / codie cold: wall {wall_ratio:.2f}x, CPU {cpu_ratio:.2f}x")
        print(f"codie cold / warm:   wall {cold.wall / warm.wall:.1f}x, CPU {cold.cpu / max(warm.cpu, 1e-9):.1f}x")
        if args.other is not None:
            other_run = runs[2]
            ratio_cpu = bandit_run.cpu / max(other_run.cpu, 1e-9)
            print(f"bandit / other cold: wall {bandit_run.wall / other_run.wall:.2f}x, CPU {ratio_cpu:.2f}x")
            equal = (out / "cold.json").read_bytes() == (out / "other.json").read_bytes()
            print(f"other's report identical to codie's: {'yes' if equal else 'no'}")
        same = (out / "cold.json").read_bytes() == (out / "warm.json").read_bytes()
        print(f"warm report identical to cold: {'yes' if same else 'NO'}")
        if args.json is not None:
            args.json.write_text(
                json.dumps(
                    {
                        "corpus": str(args.path),
                        "files": files,
                        "lines": lines,
                        "jobs": args.jobs,
                        "runs": {r.name: {"wall": r.wall, "cpu": r.cpu, "code": r.code} for r in runs},
                        "warm_identical": same,
                        "load": [load_before, load_after],
                    },
                    indent=1,
                )
            )
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
