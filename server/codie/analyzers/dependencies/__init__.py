"""Dependency vulnerabilities: manifests, the offline advisory index and their findings.

Importing this package stays light: the manifest parsers, `packaging` and the advisory
index (~45 ms of CPU) load when a manifest is analysed or a Python file's workspace has
pins to check, not with the analyzers that every document's first analysis waits for.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, ClassVar

from tree_sitter import Node

from codie.core.analyzer import Analyzer, Context
from codie.core.findings import Finding

if TYPE_CHECKING:
    from codie.analyzers.dependencies.analyzer import DependencyAnalyzer

SERVICE = "dependencies"  # the name analyzers find the LSP's DependencyService by (ctx.services)
MANIFEST_LANGUAGES = frozenset({"requirements", "toml", "lock"})


class ManifestAnalyzer:
    """DependencyAnalyzer (analyzer.py) as the registry holds it: manifests are not
    Python, so the analyzer and what it imports load on the first manifest analysed."""

    name: ClassVar[str] = "dependencies"
    languages: ClassVar[frozenset[str]] = MANIFEST_LANGUAGES
    incremental: ClassVar[bool] = False
    deferred: ClassVar[bool] = False

    def __init__(self) -> None:
        self._analyzer: DependencyAnalyzer | None = None

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        if self._analyzer is None:
            from codie.analyzers.dependencies.analyzer import DependencyAnalyzer

            self._analyzer = DependencyAnalyzer()
        yield from self._analyzer.analyze(ctx, nodes)


def analyzers() -> list[Analyzer]:
    from codie.analyzers.dependencies.imports import VulnerableImportAnalyzer

    return [ManifestAnalyzer(), VulnerableImportAnalyzer()]
