"""Shared helpers: analyse a snippet with every registered analyzer, apply a fix, run a
reference analysis from scratch."""

from __future__ import annotations

import copy
import sys
import textwrap
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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


# the analyzers' process-wide memo tables: module-level, private and mutable
_MEMO_TYPES = (list, dict, set, weakref.WeakKeyDictionary)
_MEMO_PACKAGES = ("codie.analyzers.security.",)


def _memo_tables() -> list[Any]:
    tables = []
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(_MEMO_PACKAGES):
            continue
        for attr, value in vars(module).items():
            if attr.startswith("_") and not attr.startswith("__") and isinstance(value, _MEMO_TYPES):
                tables.append(value)
    return tables


@contextmanager
def from_scratch() -> Iterator[None]:
    """Run a reference analysis with every process-wide memo table empty, then put the
    tables back as they were. Without this a "fresh" analysis of a text the incremental one
    has just seen reuses what the incremental path left there (the import lines, taint's
    statement records, the last text's spans) and cannot disagree with it. Found by
    discovery, not by a list, so a new memo table is covered the day it is added."""
    saved = [(table, copy.copy(table)) for table in _memo_tables()]
    for table, _ in saved:
        table.clear()
    try:
        yield
    finally:
        for table, kept in saved:
            table.clear()
            if isinstance(table, list):
                table.extend(kept)
            else:
                table.update(kept)
