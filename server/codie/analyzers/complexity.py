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

from codie.analyzers.cognitive import cognitive_complexity
from codie.analyzers.metrics import (
    CLASS,
    FUNCTION,
    MAX_NESTING,
    SCOPES,
    Halstead,
    Lines,
    Metrics,
    definitions,
    function_cc,
    line_counts,
    module_maintainability,
)
from codie.analyzers.unreferenced import UnreferencedAnalyzer
from codie.core.analyzer import Analyzer, Context
from codie.core.findings import Finding

log = logging.getLogger(__name__)
CACHE_SIZE = 20_000  # functions' figures kept (~100 bytes each)


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


def top_definitions(top: Node) -> Iterator[Node]:
    if top.type in SCOPES:
        yield top
    else:
        yield from definitions(top)


class ComplexityAnalyzer:
    """Per-function figures: each depends only on its own top-level statement."""

    name: ClassVar[str] = "complexity"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = True
    deferred: ClassVar[bool] = False

    def __init__(self) -> None:
        # (function text) -> (cyclomatic, cognitive, sloc): an edit inside one method of a
        # 3,000-line class re-measures that method only, not the class.
        self._figures: OrderedDict[bytes, tuple[int, int, int]] = OrderedDict()

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        limits = Thresholds.from_section(ctx.settings.section("complexity"))
        source = ctx.doc.source
        for top in nodes:
            for definition in top_definitions(top):
                for m in self._functions(definition, source, ""):
                    yield from self._check(ctx, m, limits)

    def _functions(
        self, node: Node, source: bytes, prefix: str, in_class: bool = False, depth: int = 0
    ) -> Iterator[Metrics]:
        name_node = node.child_by_field_name("name")
        name = (
            source[name_node.start_byte : name_node.end_byte].decode("utf-8", "replace")
            if name_node is not None
            else "?"
        )
        qualname = f"{prefix}.{name}" if prefix else name
        if node.type == FUNCTION:
            cc, cog, sloc = self._measure(node, source, depth)
            yield Metrics(
                kind="method" if in_class else "function",
                name=name,
                qualname=qualname,
                start=node.start_byte,
                end=node.end_byte,
                name_start=name_node.start_byte if name_node else node.start_byte,
                name_end=name_node.end_byte if name_node else node.start_byte,
                line=node.start_point.row,
                cyclomatic=cc,
                cognitive=cog,
                halstead=Halstead(0, 0, 0, 0),
                lines=Lines(0, sloc, 0, 0, 0, 0),
                maintainability=100.0,
                real_cyclomatic=cc,
            )
        body = node.child_by_field_name("body")
        if body is not None and depth < MAX_NESTING:
            for child in definitions(body):
                yield from self._functions(child, source, qualname, node.type == CLASS, depth + 1)

    def _measure(self, func: Node, source: bytes, depth: int) -> tuple[int, int, int]:
        key = hashlib.blake2b(source[func.start_byte : func.end_byte], digest_size=16).digest()
        found = self._figures.get(key)
        if found is not None:
            self._figures.move_to_end(key)
            return found
        # depth 0: not a method (and a top-level node's parent is costly to ask for)
        found = (
            function_cc(func, source),
            cognitive_complexity(func, source, is_method=False if depth == 0 else None),
            line_counts(func, source).sloc,
        )
        self._figures[key] = found
        if len(self._figures) > CACHE_SIZE:
            self._figures.popitem(last=False)
        return found

    def _check(self, ctx: Context, m: Metrics, limits: Thresholds) -> Iterator[Finding]:
        figures = {"cyclomatic": m.cyclomatic, "cognitive": m.cognitive, "sloc": m.lines.sloc}
        if limits.cyclomatic and m.cyclomatic > limits.cyclomatic:
            yield ctx.report(
                "CPX001",
                m.name_start,
                m.name_end,
                f"`{m.qualname}` has cyclomatic complexity {m.cyclomatic} (rank {m.rank}; limit {limits.cyclomatic})",
                evidence=_over(m.cyclomatic, limits.cyclomatic),
                data=figures,
            )
        if limits.cognitive and m.cognitive > limits.cognitive:
            yield ctx.report(
                "CPX002",
                m.name_start,
                m.name_end,
                f"`{m.qualname}` has cognitive complexity {m.cognitive} (limit {limits.cognitive})",
                evidence=_over(m.cognitive, limits.cognitive),
                data=figures,
            )
        if limits.function_lines and m.lines.sloc > limits.function_lines:
            yield ctx.report(
                "CPX003",
                m.name_start,
                m.name_end,
                f"`{m.qualname}` has {m.lines.sloc} source lines (limit {limits.function_lines})",
                evidence=_over(m.lines.sloc, limits.function_lines),
                data=figures,
            )


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
