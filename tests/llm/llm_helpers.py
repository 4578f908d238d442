"""Small builders shared by the llm tests."""

from __future__ import annotations

from codie.analyzers import registered
from codie.core.analyzer import Context
from codie.core.document import Document
from codie.core.engine import analyze
from codie.core.findings import Finding
from codie.core.rules import catalogue
from codie.llm.context import FindingContext, finding_context

SOURCE = """import os

API_TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
OWNER = "jane.doe@example.org"


def run(expr, seen=[]):
    seen.append(expr)
    return eval(expr)


run(input())
"""


def findings_of(text: str, uri: str = "file:///proj/app.py") -> tuple[Document, list[Finding]]:
    doc = Document(uri, text)
    return doc, analyze(Context(doc, catalogue()), registered())


def context_for(rule_id: str, text: str = SOURCE) -> tuple[Document, Finding, FindingContext]:
    doc, found = findings_of(text)
    finding = next(f for f in found if f.rule_id == rule_id)
    return doc, finding, finding_context(doc, finding, catalogue())
