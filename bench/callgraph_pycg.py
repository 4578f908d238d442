"""Score `codie callgraph --format pycg` on tests/callgraph_pycg, PyCG's micro-benchmark format.

Each case is tests/callgraph_pycg/<category>/<case>/ with its program (main.py and any other
modules) and callgraph.json, the expected graph written by hand: {caller: [callee, ...]} with
module-qualified names (`main.A.method`), `<builtin>.len`, `<builtin>.str.split` and
`Class.__init__` for an instantiation. Precision and recall are edge-level, summed over the
cases of a category (and over all cases), as in PyCG's paper.

With --pycg PYTHON (a Python that can `import pycg`), PyCG runs on the same cases and its
figures are printed beside Codie's. PyCG 0.0.8 from PyPI installs its package as `PyCG` but
imports itself as `pycg`: on a case-sensitive file system make a `pycg -> PyCG` symlink in
that environment's site-packages.

Usage: python bench/callgraph_pycg.py [-v] [--pycg /path/to/python]
"""

from __future__ import annotations

import argparse
import json
import subprocess
from collections import defaultdict
from pathlib import Path

from codie.analyzers.callgraph import CallGraph

SUITE = Path(__file__).resolve().parents[1] / "tests" / "callgraph_pycg"
Edges = frozenset[tuple[str, str]]


def edges_of(adjacency: dict[str, list[str]]) -> Edges:
    return frozenset((a, b) for a, callees in adjacency.items() for b in callees)


def cases(suite: Path = SUITE) -> list[Path]:
    return sorted(p.parent for p in suite.glob("*/*/callgraph.json"))


def expected(case: Path) -> Edges:
    return edges_of(json.loads((case / "callgraph.json").read_text()))


def codie(case: Path) -> Edges:
    graph = CallGraph(case)
    graph.build(jobs=1)
    return edges_of(graph.pycg_adjacency())


def pycg(case: Path, python: str) -> Edges:
    files = sorted(str(p.relative_to(case)) for p in case.rglob("*.py"))
    done = subprocess.run(
        [python, "-m", "pycg", "--package", ".", *files],
        cwd=case,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        return frozenset()
    return edges_of(json.loads(done.stdout))


def ratio(hits: int, total: int) -> float:
    return hits / total if total else 1.0


def score(found: dict[Path, Edges], truth: dict[Path, Edges], group: list[Path]) -> tuple[float, float]:
    hits = sum(len(found[c] & truth[c]) for c in group)
    return (ratio(hits, sum(len(found[c]) for c in group)), ratio(hits, sum(len(truth[c]) for c in group)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list missed/extra edges")
    parser.add_argument("--pycg", metavar="PYTHON", help="also run PyCG with this Python")
    args = parser.parse_args()
    all_cases = cases()
    truth = {c: expected(c) for c in all_cases}
    tools = {"codie": {c: codie(c) for c in all_cases}}
    if args.pycg:
        tools["pycg"] = {c: pycg(c, args.pycg) for c in all_cases}
    by_category: defaultdict[str, list[Path]] = defaultdict(list)
    for c in all_cases:
        by_category[c.parent.name].append(c)
    header = f"{'category':14s} {'cases':>5s} {'edges':>5s}" + "".join(
        f"  {name + ' P':>8s} {name + ' R':>8s}" for name in tools
    )
    print(header)
    rows = [*sorted(by_category.items()), ("overall", all_cases)]
    for name, group in rows:
        line = f"{name:14s} {len(group):5d} {sum(len(truth[c]) for c in group):5d}"
        for found in tools.values():
            p, r = score(found, truth, group)
            line += f"  {p:8.3f} {r:8.3f}"
        print(line)
    if args.verbose:
        for tool, found in tools.items():
            for c in all_cases:
                for a, b in sorted(truth[c] - found[c]):
                    print(f"{tool}: {c.parent.name}/{c.name}: missed {a} -> {b}")
                for a, b in sorted(found[c] - truth[c]):
                    print(f"{tool}: {c.parent.name}/{c.name}: extra  {a} -> {b}")


if __name__ == "__main__":
    main()
