"""Runtime findings (RUN0xx) from the last sandboxed test run, placed in the open document.

The worker's results live in ctx.services["runtime"]; this analyzer only maps them onto
the current text: on the `def` of the function by name (so they follow edits), else on
the recorded line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlparse

from tree_sitter import Node

from codie.core.analyzer import Analyzer, Context
from codie.core.findings import Finding
from codie.runtime.state import SERVICE, RuntimeState


def _path(uri: str) -> Path | None:
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def _definitions(nodes: Sequence[Node]) -> Iterator[tuple[str, Node]]:
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if node.type in ("function_definition", "class_definition"):
            name = node.child_by_field_name("name")
            if name is not None and name.text is not None:
                yield name.text.decode("utf-8", "replace"), name
        if node.type in ("function_definition", "class_definition", "decorated_definition", "block", "module"):
            stack.extend(node.children)


class RuntimeAnalyzer:
    name: ClassVar[str] = "runtime"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = False
    deferred: ClassVar[bool] = False

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        state = ctx.services.get(SERVICE)
        path = _path(ctx.doc.uri)
        if not isinstance(state, RuntimeState) or path is None:
            return
        issues = state.for_path(path)
        if not issues:
            return
        defs: dict[str, list[Node]] = {}
        for name, node in _definitions(nodes):
            defs.setdefault(name, []).append(node)
        lines = ctx.doc.lines.count
        for issue in issues:
            candidates = defs.get(issue.function or "", [])
            if candidates:
                node = min(candidates, key=lambda n: abs(n.start_point[0] + 1 - issue.line))
                start, end = node.start_byte, node.end_byte
            else:
                line = min(max(issue.line - 1, 0), max(lines - 1, 0))
                source = ctx.doc.source
                start = ctx.doc.lines.start(line)
                end = ctx.doc.lines.content_end(source, line)
                raw = source[start:end]
                start += len(raw) - len(raw.lstrip())  # skip the indentation
                end = max(start, start + len(raw.strip()))
            yield ctx.report(issue.rule_id, start, end, issue.message, evidence=0.9)


def analyzers() -> list[Analyzer]:
    return [RuntimeAnalyzer()]
