"""CFG001: problems in [tool.codie] of pyproject.toml, shown on the file itself.

It reads the document's current text (saved or not), so the user sees a mistake as
they type it; the settings themselves reload when the file is saved.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import ClassVar

from tree_sitter import Node

from codie.core.analyzer import Analyzer, Context
from codie.core.config import find_line, load_pyproject_text
from codie.core.findings import Finding
from codie.core.llm_config import load_config


class ConfigAnalyzer:
    name: ClassVar[str] = "config"
    languages: ClassVar[frozenset[str]] = frozenset({"toml"})
    incremental: ClassVar[bool] = False
    deferred: ClassVar[bool] = False

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        if not ctx.doc.uri.endswith("pyproject.toml"):
            return
        text = ctx.doc.text
        settings, problems = load_pyproject_text(text, ctx.doc.uri)
        found = [(problem.line, f"{problem.message} ({problem.effect})") for problem in problems]
        # the "llm" table is read by the LLM features, which validate it the same way; the
        # environment is left out: it is not in this file
        _, issues = load_config(settings.section("llm"), env={})
        lines = text.splitlines()
        found += [
            (find_line(lines, issue.key, "tool.codie.llm"), f"{issue.message} (the default applies)")
            for issue in issues
        ]
        doc = ctx.doc
        for line, message in found:
            line = max(0, min(line, doc.lines.count - 1))
            start = doc.lines.start(line)
            end = doc.lines.content_end(doc.source, line)
            yield ctx.report("CFG001", start, end, message)


def analyzers() -> list[Analyzer]:
    return [ConfigAnalyzer()]
