"""Score the call graph against tests/callgraph_suite: edge precision and recall.

Each program is a folder with its code under src/ and expected.json, an adjacency list
{"module.func": ["module.callee", ...]} written by hand from Python's semantics.
Usage: python bench/callgraph_score.py [-v]   (-v lists every missed and extra edge)
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from codie.analyzers.callgraph import CallGraph

SUITE = Path(__file__).resolve().parents[1] / "tests" / "callgraph_suite"
Edges = set[tuple[str, str]]


@dataclass(frozen=True)
class Score:
    name: str
    expected: frozenset[tuple[str, str]]
    found: frozenset[tuple[str, str]]

    @property
    def hits(self) -> int:
        return len(self.expected & self.found)


def edges_of(adjacency: dict[str, list[str]]) -> Edges:
    return {(caller, callee) for caller, callees in adjacency.items() for callee in callees}


def score_program(folder: Path) -> Score:
    expected = edges_of(json.loads((folder / "expected.json").read_text()))
    graph = CallGraph(folder / "src")
    graph.build(jobs=1)
    return Score(folder.name, frozenset(expected), frozenset(edges_of(graph.adjacency())))


def score_suite(suite: Path = SUITE) -> list[Score]:
    return [score_program(f) for f in sorted(suite.iterdir()) if (f / "expected.json").is_file()]


def totals(scores: list[Score]) -> tuple[float, float]:
    hits = sum(s.hits for s in scores)
    found = sum(len(s.found) for s in scores)
    expected = sum(len(s.expected) for s in scores)
    return hits / max(found, 1), hits / max(expected, 1)


def main() -> None:
    verbose = "-v" in sys.argv[1:]
    scores = score_suite()
    for s in scores:
        p = s.hits / max(len(s.found), 1)
        r = s.hits / max(len(s.expected), 1)
        flag = "" if p == r == 1 else "  <"
        print(f"{s.name:40s} P {p:5.2f}  R {r:5.2f}{flag}")
        if verbose:
            for a, b in sorted(s.expected - s.found):
                print(f"    missed {a} -> {b}")
            for a, b in sorted(s.found - s.expected):
                print(f"    extra  {a} -> {b}")
    precision, recall = totals(scores)
    edges = sum(len(s.expected) for s in scores)
    print(f"\n{len(scores)} programs, {edges} expected edges: precision {precision:.3f}, recall {recall:.3f}")


if __name__ == "__main__":
    main()
