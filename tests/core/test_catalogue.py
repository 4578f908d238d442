from __future__ import annotations

import re
from pathlib import Path

from codie.core.rules import catalogue, render_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_every_rule_is_complete() -> None:
    for rule in catalogue():
        assert re.fullmatch(r"[A-Z]{1,4}\d{3}", rule.id), rule.id
        assert rule.title and rule.explanation.strip(), rule.id
        assert 0 < rule.confidence < 1, rule.id
        assert all(re.fullmatch(r"CWE-\d+", c) for c in rule.cwe), rule.id


def test_docs_page_is_generated_from_the_catalogue() -> None:
    """docs/rules.md is rendered by `make docs`; it must not drift from the catalogue."""
    assert (ROOT / "docs" / "rules.md").read_text() == render_markdown(catalogue())
