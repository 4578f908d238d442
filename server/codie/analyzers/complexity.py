"""CPX001-CPX004: functions and modules whose metrics pass configurable thresholds.

Settings ([tool.codie.complexity] or the client's {"complexity": {...}}):
`cyclomatic` (default 10), `cognitive` (15, SonarSource's default), `function-lines`
(SLOC, 80) and `maintainability` (module MI below this, 10 = radon's rank C). 0 disables one.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from tree_sitter import Node

from codie.analyzers.function_figures import Figures, function_figures, outermost_functions
from codie.analyzers.metrics import cc_rank, module_maintainability
from codie.analyzers.unreferenced import UnreferencedAnalyzer
from codie.core.analyzer import Analyzer, Context
from codie.core.findings import Finding

log = logging.getLogger(__name__)
CACHE_SIZE = 20_000  # outermost functions' figures kept (~150 bytes per function)


@dataclass(frozen=True, slots=True)
class Thresholds:
    cyclomatic: int = 10
    cognitive: int = 15
    function_lines: int = 80
    maintainability: float = 10.0

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> Thresholds:
        """Thresholds from settings; a bad value keeps its default (and is logged)."""
        values: dict[str, Any] = {}
        for key, raw in section.items():
            name = key.replace("-", "_")
            if name not in cls.__dataclass_fields__:
                continue
            if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
                log.warning("complexity.%s must be a number >= 0, got %r", key, raw)
                continue
            values[name] = raw
        return cls(**values)


class ComplexityAnalyzer:
    """Per-function figures: each depends only on its own top-level statement."""

    name: ClassVar[str] = "complexity"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = True
    deferred: ClassVar[bool] = False

    def __init__(self) -> None:
        # (digest of the outermost function's text, depth, is a method) -> the figures of it and of the
        # functions nested in it: an edit inside one method of a 3,000-line class
        # re-measures that method only, not the class.
        self._figures: OrderedDict[tuple[bytes, int, bool], list[Figures]] = OrderedDict()

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        limits = Thresholds.from_section(ctx.settings.section("complexity"))
        source = ctx.doc.source
        for top in nodes:
            for func, prefix, depth, is_method in outermost_functions(top, source):
                base = func.start_byte
                for figures in self._measure(func, source, depth, is_method):
                    yield from self._check(ctx, figures, prefix, base, limits)

    def _measure(self, func: Node, source: bytes, depth: int, is_method: bool) -> list[Figures]:
        text = hashlib.blake2b(source[func.start_byte : func.end_byte], digest_size=16).digest()
        key = (text, depth, is_method)
        found = self._figures.get(key)
        if found is not None:
            self._figures.move_to_end(key)
            return found
        found = function_figures(func, source, depth, is_method)
        self._figures[key] = found
        if len(self._figures) > CACHE_SIZE:
            self._figures.popitem(last=False)
        return found

    def _check(self, ctx: Context, m: Figures, prefix: str, base: int, limits: Thresholds) -> Iterator[Finding]:
        cyclomatic, cognitive, sloc = m.cyclomatic, m.cognitive, m.sloc
        over_cc = limits.cyclomatic and cyclomatic > limits.cyclomatic
        over_cog = limits.cognitive and cognitive > limits.cognitive
        over_lines = limits.function_lines and sloc > limits.function_lines
        if not (over_cc or over_cog or over_lines):
            return
        figures = {"cyclomatic": cyclomatic, "cognitive": cognitive, "sloc": sloc}
        qualname = f"{prefix}.{m.qualname}" if prefix else m.qualname
        start, end = base + m.name_start, base + m.name_end
        rank = cc_rank(cyclomatic)
        has = f"`{qualname}` has"
        checks = (
            (
                "CPX001",
                over_cc,
                cyclomatic,
                limits.cyclomatic,
                f"{has} cyclomatic complexity {cyclomatic} (rank {rank}; ",
            ),
            ("CPX002", over_cog, cognitive, limits.cognitive, f"{has} cognitive complexity {cognitive} ("),
            ("CPX003", over_lines, sloc, limits.function_lines, f"{has} {sloc} source lines ("),
        )
        for rule, over, value, limit, opening in checks:
            if over:
                message = f"{opening}limit {limit})"
                yield ctx.report(rule, start, end, message, evidence=_over(value, limit), data=dict(figures))


class MaintainabilityAnalyzer:
    """The module's maintainability index needs the whole file."""

    name: ClassVar[str] = "maintainability"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = False
    deferred: ClassVar[bool] = False

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        limits = Thresholds.from_section(ctx.settings.section("complexity"))
        tree = ctx.doc.tree
        if tree is None or not nodes or not limits.maintainability:
            return
        # In the language server the module's metrics (~100 ms for a big file) come from a
        # cache filled off the event loop; the latest figures may lag one edit behind.
        cache = ctx.services.get("metrics")
        if cache is not None and hasattr(cache, "latest"):
            m = cache.latest(ctx.doc.uri)
            if m is None:
                return  # not computed yet: this analyzer runs again once it is
            mi, total_cc, lloc = m.maintainability, m.cyclomatic, m.lines.lloc
        else:  # the index only, not every definition's figures (the same numbers)
            mi, total_cc, lloc = module_maintainability(tree, ctx.doc.source)
        if mi >= limits.maintainability:
            return
        first = nodes[0]
        line_end = ctx.doc.source.find(b"\n", first.start_byte)
        end = first.end_byte if line_end < 0 else min(first.end_byte, line_end)
        yield ctx.report(
            "CPX004",
            first.start_byte,
            end,
            f"Maintainability index {mi:.1f} is below {limits.maintainability:g} "
            f"(total complexity {total_cc}, {lloc} logical lines)",
            evidence=0.6,
            data={"maintainability": round(mi, 2)},
        )


def _over(value: float, limit: float) -> float:
    """Evidence grows with how far the figure passes its limit."""
    return min(0.95, 0.5 + 0.45 * (value - limit) / max(limit, 1))


def analyzers() -> list[Analyzer]:
    return [ComplexityAnalyzer(), MaintainabilityAnalyzer(), UnreferencedAnalyzer()]
