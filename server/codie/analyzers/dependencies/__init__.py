"""Dependency vulnerabilities: manifests, the offline advisory index and their findings."""

from __future__ import annotations

from codie.core.analyzer import Analyzer


def analyzers() -> list[Analyzer]:
    from codie.analyzers.dependencies.analyzer import DependencyAnalyzer
    from codie.analyzers.dependencies.imports import VulnerableImportAnalyzer

    return [DependencyAnalyzer(), VulnerableImportAnalyzer()]
