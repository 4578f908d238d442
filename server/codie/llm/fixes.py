"""Verified fixes: a proposed diff is applied to a copy and checked before it is offered.

A fix is offered only when the fixed copy parses (no ERROR or MISSING node), the finding
is gone, and no finding appears that was not there before. Findings are compared by rule
and the text they cover (offsets move with the fix). A suppression comment does not count
as removing a finding: the raw analysis is compared, before suppressions are applied.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from codie.core.analyzer import Analyzer, Context
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.engine import analyze
from codie.core.findings import Finding
from codie.core.rules import Catalogue

FENCE = re.compile(r"```(?:diff|patch)?[ \t]*\n(.*?)```", re.S)
HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@")


class DiffError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    reason: str
    new_text: str = ""
    diff: str = ""


def extract_diff(answer: str) -> str:
    """The unified diff in a model's answer (inside a ```diff fence, or bare)."""
    for block in FENCE.findall(answer):
        if "@@" in block:
            return str(block)
    if "@@" in answer:
        start = answer.find("---") if "---" in answer else answer.find("@@")
        return answer[start:]
    raise DiffError("the answer contains no unified diff")


def _hunks(diff: str) -> list[tuple[int, list[str], list[str]]]:
    hunks: list[tuple[int, list[str], list[str]]] = []
    old: list[str] = []
    new: list[str] = []
    line_no = 0
    inside = False
    for raw in diff.splitlines():
        m = HUNK.match(raw)
        if m:
            if inside:
                hunks.append((line_no, old, new))
            line_no, old, new, inside = int(m.group(1)), [], [], True
            continue
        if not inside or raw.startswith(("---", "+++", "\\")):
            continue
        tag, body = (raw[:1], raw[1:]) if raw else (" ", "")
        if tag == " ":
            old.append(body)
            new.append(body)
        elif tag == "-":
            old.append(body)
        elif tag == "+":
            new.append(body)
        else:  # models drop the leading space of empty context lines, or add prose
            old.append(raw)
            new.append(raw)
    if inside:
        hunks.append((line_no, old, new))
    if not hunks:
        raise DiffError("the diff has no hunks")
    return hunks


def apply_diff(text: str, diff: str) -> str:
    """Apply a unified diff by content (models miscount line numbers): each hunk's old
    lines must occur in the text; the occurrence nearest the stated line is replaced."""
    lines = text.splitlines()
    ending = "\n" if text.endswith("\n") or not text else ""
    offset = 0
    for stated, old, new in _hunks(diff):
        if old == new:
            raise DiffError("a hunk changes nothing")
        at = _locate(lines, old, stated - 1 + offset)
        if at is None:
            raise DiffError(f"a hunk does not match the code (near line {stated})")
        lines[at : at + len(old)] = new
        offset += len(new) - len(old)
    return "\n".join(lines) + ending


def _locate(lines: list[str], old: list[str], hint: int) -> int | None:
    if not old:
        return max(0, min(hint, len(lines)))
    for loose in (False, True):  # exact first, then ignoring trailing whitespace
        def norm(s: str, loose: bool = loose) -> str:
            return s.rstrip() if loose else s

        want = [norm(s) for s in old]
        places = [
            i for i in range(len(lines) - len(old) + 1)
            if [norm(s) for s in lines[i : i + len(old)]] == want
        ]
        if places:
            return min(places, key=lambda i: abs(i - hint))
    return None


def unified_diff(old: str, new: str, path: str) -> str:
    return "".join(difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}"))


def _key(doc: Document, f: Finding) -> tuple[str, str]:
    return f.rule_id, " ".join(doc.source[f.start : f.end].decode("utf-8", "replace").split())


def _error_line(doc: Document) -> int | None:
    for node in doc.walk():
        if node.type == "ERROR" or node.is_missing:
            return doc.lines.line_of(node.start_byte) + 1
    return None


def verify_fix(
    doc: Document,
    finding: Finding,
    new_text: str,
    analyzers: Sequence[Analyzer],
    catalogue: Catalogue,
    settings: Settings | None = None,
    root: Path | None = None,
) -> Verification:
    """Check a fixed copy of doc: parses, finding gone, nothing new."""
    settings = settings or Settings()
    path = doc.uri.rsplit("/", 1)[-1]
    diff = unified_diff(doc.text, new_text, path)
    if new_text == doc.text:
        return Verification(False, "the fix changes nothing", new_text, diff)
    fixed = Document(doc.uri, new_text, doc.version, doc.language)
    if fixed.tree is not None and fixed.tree.root_node.has_error:
        line = _error_line(fixed)
        return Verification(False, f"the fixed code does not parse (line {line})", new_text, diff)
    before_doc = Document(doc.uri, doc.source, doc.version, doc.language)
    before = Counter(_key(before_doc, f) for f in analyze(
        Context(before_doc, catalogue, settings, root=root), analyzers))
    after = Counter(_key(fixed, f) for f in analyze(
        Context(fixed, catalogue, settings, root=root), analyzers))
    target = _key(doc, finding)
    if after[target] >= before[target]:
        return Verification(False, f"the finding {finding.rule_id} is still there", new_text, diff)
    new = sorted(k[0] for k in after if after[k] > before[k])
    if new:
        return Verification(False, "the fix introduces " + ", ".join(new), new_text, diff)
    return Verification(True, "parses, removes the finding, adds none", new_text, diff)
