"""The naming-score cache stays bounded over a long editing session and gives the same
findings as a fresh analyzer (issue 19: the soak benchmark's server grew while typing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codie.analyzers.style import analyzer as style_analyzer
from codie.analyzers.style.analyzer import StyleAnalyzer
from codie.analyzers.style.service import StyleService
from codie.analyzers.style.training import build_model
from codie.core.analyzer import Context
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.findings import Finding
from codie.core.rules import catalogue
from tests.style.workspace import DEVIANT, make_workspace


def run(analyzer: StyleAnalyzer, root: Path, service: StyleService, text: str) -> list[Finding]:
    doc = Document((root / "shop" / "cart.py").as_uri(), text)
    settings = Settings(sections={"style": {"min-tokens": 200, "min-samples": 10}})
    ctx = Context(doc, catalogue(), settings, root=root, services={"style": service})
    return list(analyzer.analyze(ctx, doc.top_level()))


def test_the_cache_is_bounded_and_exact_across_generations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_workspace(tmp_path / "shop").resolve()
    model, _ = build_model(root)
    service = StyleService()
    service.models[root] = model
    monkeypatch.setattr(style_analyzer, "CACHE_LIMIT", 20)
    analyzer = StyleAnalyzer()
    per_pass = 0
    text = DEVIANT
    for i in range(40):  # each edit adds a name: every name's surroundings are new
        text = f"extra_{i} = {i}\n" + text
        run(analyzer, root, service, text)
        per_pass = max(per_pass, len(analyzer._cache))
        held = len(analyzer._cache) + len(analyzer._older)
        assert held <= 2 * (20 + per_pass)
        # the keys share one set of visible names per scope, not one set per name
        keys = list(analyzer._cache)
        assert len({id(k[3]) for k in keys}) == len({k[3] for k in keys}) < len(keys)
    assert run(analyzer, root, service, text) == run(StyleAnalyzer(), root, service, text)
