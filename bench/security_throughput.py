"""Throughput of `codie check` (taint engine on) over the installed standard library, next
to Bandit on the same files in the same run.

    python bench/security_throughput.py [--path DIR] [--jobs N] [--no-bandit]

Prints files, lines, wall time and lines/s for each tool, and the speed-up. Both tools
write their reports to temporary files so that terminal output does not count.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path


def stdlib_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts and "dist-packages" not in p.parts)


def count_lines(files: list[Path]) -> int:
    total = 0
    for f in files:
        with f.open("rb") as fh:
            total += sum(1 for _ in fh)
    return total


def timed(cmd: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start, proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-bandit", action="store_true")
    args = parser.parse_args(argv)
    files = stdlib_files(args.path)
    lines = count_lines(files)
    bindir = Path(sys.executable).parent
    codie = shutil.which("codie", path=str(bindir)) or "codie"
    bandit = shutil.which("bandit", path=str(bindir)) or shutil.which("bandit")
    print(f"corpus: {args.path} ({len(files)} files, {lines:,} lines); {os.cpu_count()} cores, --jobs {args.jobs}")
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "files.txt"
        listing.write_text("\n".join(str(f) for f in files))
        out = Path(tmp) / "codie.json"
        # pass the folder: codie walks it (site-packages excluded via --exclude-like filter
        # is not needed for a pristine stdlib; the file count is printed to compare)
        codie_cmd = [
            codie,
            "check",
            *map(str, _top_level(args.path)),
            "--format",
            "json",
            "-o",
            str(out),
            "--fail-on",
            "never",
            "-j",
            str(args.jobs),
            "--no-cache",  # a cold run every time (bench/headless_check.py measures warm ones)
        ]
        wall, rc = timed(codie_cmd)
        print(f"codie : {wall:7.1f} s  {lines / wall:10,.0f} lines/s  (exit {rc})")
        if bandit and not args.no_bandit:
            bandit_cmd = [bandit, "-q", "-f", "json", "-o", str(Path(tmp) / "bandit.json"), *map(str, files)]
            bwall, brc = timed(bandit_cmd)
            print(f"bandit: {bwall:7.1f} s  {lines / bwall:10,.0f} lines/s  (exit {brc})")
            print(f"speed-up: {bwall / wall:.2f}x")
        elif not args.no_bandit:
            print("bandit: not installed (pip install -e '.[dev]')")
    return 0


def _top_level(root: Path) -> list[Path]:
    """The stdlib's entries without site-packages, so both tools see the same files."""
    return sorted(
        p
        for p in root.iterdir()
        if p.name not in ("site-packages", "dist-packages") and (p.is_dir() or p.suffix == ".py")
    )


if __name__ == "__main__":
    sys.exit(main())
