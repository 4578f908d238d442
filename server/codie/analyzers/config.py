"""CFG001: problems in [tool.codie] of pyproject.toml, shown on the file itself.

It reads the document's current text (saved or not), so the user sees a mistake as
they type it; the settings themselves reload when the file is saved.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import ClassVar

from tree_sitter import Node

from codie.core.analyzer import Analyzer, Context
from codie.core.config import load_pyproject_text
from codie.core.findings import Finding


class ConfigAnalyzer:
    name: ClassVar[str] = "config"
    languages: ClassVar[frozenset[str]] = frozenset({"toml"})
    incremental: ClassVar[bool] = False
    deferred: ClassVar[bool] = False

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        if not ctx.doc.uri.endswith("pyproject.toml"):
            return
        _, problems = load_pyproject_text(ctx.doc.text, ctx.doc.uri)
        doc = ctx.doc
        for problem in problems:
            line = min(problem.line, doc.lines.count - 1)
            start = doc.lines.starts[line]
            end = doc.lines.content_end(doc.source, line)
            yield ctx.report("CFG001", start, end, f"{problem.message} (the default applies)")


def analyzers() -> list[Analyzer]:
    return [ConfigAnalyzer()]
