"""SYN001: report what tree-sitter could not parse, and nothing more.

The other analyzers keep working on the parts that parse: tree-sitter recovers locally.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import ClassVar

from tree_sitter import Node

from codie.core.analyzer import Analyzer, Context
from codie.core.findings import Finding


class SyntaxAnalyzer:
    name: ClassVar[str] = "syntax"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = True
    deferred: ClassVar[bool] = False

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        for top in nodes:
            if top.has_error:
                yield from self._errors(ctx, top)

    def _errors(self, ctx: Context, node: Node) -> Iterator[Finding]:
        if node.is_missing:
            yield ctx.report("SYN001", node.start_byte, node.start_byte, f"Syntax error: missing `{node.type}`")
            return
        if node.is_error:
            src = ctx.doc.source
            line_end = src.find(b"\n", node.start_byte)
            end = node.end_byte if line_end < 0 else min(node.end_byte, line_end)
            end = max(end, node.start_byte)
            snippet = src[node.start_byte : min(end, node.start_byte + 30)].decode("utf-8", "replace")
            what = f"unexpected `{snippet.strip()}`" if snippet.strip() else "unexpected input"
            yield ctx.report("SYN001", node.start_byte, end, f"Syntax error: {what}")
            return
        for child in node.children:
            if child.has_error or child.is_missing:
                yield from self._errors(ctx, child)


def analyzers() -> list[Analyzer]:
    return [SyntaxAnalyzer()]
