"""Print how often Codie's cyclomatic complexity agrees with radon 6.0.1's, per function.

Usage: python bench/metrics_radon_agreement.py [PACKAGE ...]  (default: json email http asyncio)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Function

from codie.analyzers.metrics import flatten, module_metrics
from codie.core.document import parse

STDLIB = Path(sys.modules["os"].__file__ or "").parent
DEFAULT = ("json", "email", "http", "asyncio")


def radon_functions(source: str) -> Iterator[Function]:
    def walk(fn: Function) -> Iterator[Function]:
        yield fn
        for closure in fn.closures:
            yield from walk(closure)

    for block in cc_visit(source):
        if isinstance(block, Function):
            yield from walk(block)


def compare(path: Path) -> tuple[int, list[str]]:
    """(functions compared, descriptions of disagreements) for one file."""
    text = path.read_text(encoding="utf-8")
    source = text.encode()
    ours = {}
    for m in flatten(module_metrics(parse(source), source)):
        if m.kind in ("function", "method"):
            ours[(m.line + 1, m.name)] = m.cyclomatic
    compared, diffs = 0, []
    for fn in radon_functions(text):
        compared += 1
        mine = ours.get((fn.lineno, fn.name))
        if mine != fn.complexity:
            diffs.append(f"{path}:{fn.lineno} {fn.name}: radon {fn.complexity}, codie {mine}")
    return compared, diffs


def agreement(packages: tuple[str, ...] = DEFAULT) -> tuple[int, list[str]]:
    total, diffs = 0, []
    for package in packages:
        for path in sorted((STDLIB / package).rglob("*.py")):
            n, d = compare(path)
            total += n
            diffs.extend(d)
    return total, diffs


def main() -> None:
    packages = tuple(sys.argv[1:]) or DEFAULT
    started = time.perf_counter()
    total, diffs = agreement(packages)
    elapsed = time.perf_counter() - started
    for line in diffs[:20]:
        print(line)
    agree = total - len(diffs)
    print(
        f"cyclomatic agreement with radon on {', '.join(packages)}: {agree}/{total} functions "
        f"= {agree / max(total, 1):.2%} ({elapsed:.1f} s, both tools)"
    )


if __name__ == "__main__":
    main()
