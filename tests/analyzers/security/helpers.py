"""Shared helpers: analyse a snippet with every registered analyzer, apply a fix."""

from __future__ import annotations

import textwrap

from codie.analyzers import registered
from codie.core.analyzer import Context
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.engine import analyze
from codie.core.findings import Finding, Fix
from codie.core.rules import catalogue


def run(source: str, uri: str = "file:///project/app.py", shown: bool = True) -> list[Finding]:
    doc = Document(uri, textwrap.dedent(source))
    settings = Settings()
    found = analyze(Context(doc, catalogue(), settings), registered())
    return [f for f in found if settings.shown(f)] if shown else found


def rules(source: str, uri: str = "file:///project/app.py") -> set[str]:
    return {f.rule_id for f in run(source, uri)}


def apply_fix(source: str, fix: Fix) -> str:
    data = textwrap.dedent(source).encode()
    for edit in sorted(fix.edits, key=lambda e: e.start, reverse=True):
        data = data[: edit.start] + edit.new_text.encode() + data[edit.end :]
    return data.decode()


def parses(source: str) -> bool:
    doc = Document("file:///project/fixed.py", source)
    return doc.tree is not None and not doc.tree.root_node.has_error
