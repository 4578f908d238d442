"""Security analysis: taint tracking, CWE-mapped pattern rules and secrets."""

from __future__ import annotations

from codie.core.analyzer import Analyzer


def analyzers() -> list[Analyzer]:
    from codie.analyzers.security.patterns import PatternAnalyzer
    from codie.analyzers.security.secrets import SecretsAnalyzer
    from codie.analyzers.security.taint import TaintAnalyzer

    return [TaintAnalyzer(), PatternAnalyzer(), SecretsAnalyzer()]
