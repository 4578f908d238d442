"""Advisory index figures: build time and size, load time, lookup time per package, and a
full check of a 300-dependency lockfile. Prints figures; asserts nothing.

    .venv/bin/python bench/advisories_bench.py [--seed PATH]

Targets (issue 4): lookup < 1 ms per package, index < 2 MB.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from codie.analyzers.dependencies import osv
from codie.analyzers.dependencies.advisories import AdvisoryIndex
from codie.analyzers.dependencies.analyzer import DependencyAnalyzer
from codie.core.analyzer import Context
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.engine import analyze
from codie.core.rules import catalogue
from codie.headless import check_paths

ROOT = Path(__file__).resolve().parents[1]
SEEDS = [p / "shared" / "data" / "pypa-advisories.osv.jsonl.gz" for p in (ROOT.parent, ROOT.parent.parent)]


def timed(fn, repeat: int = 1):  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return result, statistics.median(times)


def lockfile(index: AdvisoryIndex, n: int, rng: random.Random) -> str:
    """n [[package]] entries shaped like uv's (an sdist and 12 wheels each, ~3 KB): real
    package names, half at a version with advisories."""
    names = sorted(index.package_names)
    rng.shuffle(names)
    out = ["version = 1", 'requires-python = ">=3.11"', ""]
    for i, name in enumerate(names[:n]):
        advisories = index.for_package(name)
        fixed = [f for a in advisories for f in a.fixed]
        version = "0.0.1" if i % 2 or not fixed else fixed[0] + ".dev0"
        base = f"https://files.pythonhosted.org/packages/ab/cd/{name}-{version}"
        out += [
            "[[package]]",
            f'name = "{name}"',
            f'version = "{version}"',
            'source = { registry = "https://pypi.org/simple" }',
            "dependencies = [",
            '    { name = "typing-extensions" },',
            "]",
            f'sdist = {{ url = "{base}.tar.gz", hash = "sha256:{"a" * 64}", size = 1234 }}',
            "wheels = [",
        ]
        out += [
            f'    {{ url = "{base}-cp3{j}-cp3{j}-manylinux_2_17_x86_64.whl", '
            f'hash = "sha256:{"b" * 64}", size = 56789 }},'
            for j in range(12)
        ]
        out += ["]", ""]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=Path, default=next((s for s in SEEDS if s.exists()), None))
    args = parser.parse_args()
    if args.seed is None or not args.seed.exists():
        print("no seed data (shared/data/pypa-advisories.osv.jsonl.gz)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "advisories.json.gz"
        raw, build_s = timed(lambda: osv.build_index(osv.read_records(args.seed)), repeat=3)
        size = osv.write_index(raw, out)
        print(
            f"index build:  {build_s * 1000:.0f} ms (median of 3) for {raw['records']} "
            f"records -> {len(raw['advisories'])} advisories, {len(raw['packages'])} packages"
        )
        print(f"index size:   {size / 1024:.1f} KiB gzip ({size / 2_000_000:.1%} of the 2 MB target)")
        index, load_s = timed(lambda: AdvisoryIndex.from_file(out), repeat=5)
        print(f"index load:   {load_s * 1000:.1f} ms (median of 5)")

        names = sorted(index.package_names)
        rng = random.Random(4)
        queries = [(n, v) for n in names for v in ("0.1", "1.0", "2.5.1", "99.0")]
        rng.shuffle(queries)
        cold_index = AdvisoryIndex.from_file(out)
        t = time.perf_counter()
        for n in names:
            cold_index.affecting(n, "1.0")
        cold = (time.perf_counter() - t) / len(names)
        t = time.perf_counter()
        for n, v in queries:
            cold_index.affecting(n, v)
        warm = (time.perf_counter() - t) / len(queries)
        t = time.perf_counter()
        for n in names:
            cold_index.smallest_upgrade(n, "0.1")
        upgrade = (time.perf_counter() - t) / len(names)
        print(
            f"lookup:       {cold * 1e6:.0f} µs/package first time (parses its entries), "
            f"{warm * 1e6:.1f} µs/package after ({len(queries)} lookups)"
        )
        print(f"upgrade:      {upgrade * 1e6:.0f} µs/package (smallest clean release)")

        text = lockfile(index, 300, rng)
        doc_index = AdvisoryIndex.from_file(out)  # cold: nothing parsed yet

        def check_doc() -> int:
            doc = Document("file:///bench/uv.lock", text)
            return len(analyze(Context(doc, catalogue()), [DependencyAnalyzer()]))

        import codie.analyzers.dependencies.analyzer as mod

        mod.index_or_none = lambda: doc_index  # type: ignore[assignment]
        found, first_s = timed(check_doc)
        _, again_s = timed(check_doc, repeat=5)
        print(
            f"300-dep uv.lock ({len(text) / 1e6:.2f} MB): {first_s * 1000:.1f} ms first check "
            "(cold index), "
            f"{again_s * 1000:.1f} ms after (median of 5); {found} findings"
        )
        project = Path(tmp) / "proj"
        project.mkdir()
        (project / "uv.lock").write_text(text)
        run, headless_s = timed(lambda: check_paths([project], project, Settings(), jobs=1))
        print(
            f"codie check of the folder (in-process, 1 job, index loaded): "
            f"{headless_s * 1000:.1f} ms; {len(run.results)} findings"
        )
    print("machine: shared 2-core box, loaded by other jobs; figures are indicative")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
