"""What a question is about: findings with their rule, evidence and surrounding code.

The same structures feed the offline provider (which composes Markdown from them) and
the prompts sent to models (llm/prompts.py), so both cite the same lines.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from codie.core.document import Document
from codie.core.findings import Finding
from codie.core.rules import Catalogue, Rule

CODE_RADIUS = 3  # lines of code shown either side of a finding


def fingerprint(doc: Document, finding: Finding) -> str:
    """A stable identity for a finding across edits elsewhere: the rule and the text of
    its line and span (not offsets, which move)."""
    return fingerprint_of(finding.rule_id, *fingerprint_inputs(doc, finding))


def fingerprint_inputs(doc: Document, finding: Finding) -> tuple[bytes, bytes]:
    """What the fingerprint is made of besides the rule: the raw text of the finding's line
    and of its span (the same inputs give the same fingerprint)."""
    lines = doc.lines
    row = lines.line_of(finding.start)
    if 0 <= row < lines.count:
        line_raw = doc.source[lines.start(row) : lines.content_end(doc.source, row)]
    else:
        line_raw = b""
    return line_raw, doc.source[finding.start : finding.end]


def fingerprint_of(rule_id: str, line_raw: bytes, span_raw: bytes) -> str:
    # the editor fingerprints every shown finding on every publish: the same inputs give
    # the same answer, so remember it (bounded) instead of decoding and hashing again
    small = len(line_raw) + len(span_raw) <= _FINGERPRINT_KEY_BYTES  # a big span is not kept
    key = (rule_id, line_raw, span_raw)
    cached = _FINGERPRINTS.get(key) if small else None
    if cached is None:
        line = line_raw.decode("utf-8", "replace").strip()
        span = span_raw.decode("utf-8", "replace").strip()
        raw = f"{rule_id}\0{line}\0{span}".encode("utf-8", "surrogatepass")
        cached = hashlib.sha256(raw).hexdigest()[:16]
        if small:
            if len(_FINGERPRINTS) >= _FINGERPRINT_CACHE:
                _FINGERPRINTS.clear()
            _FINGERPRINTS[key] = cached
    return cached


_FINGERPRINT_CACHE = 4096  # entries: at most ~4 MB with the key size below
_FINGERPRINT_KEY_BYTES = 1024
_FINGERPRINTS: dict[tuple[str, bytes, bytes], str] = {}


@dataclass(frozen=True)
class FindingContext:
    finding: Finding
    rule: Rule | None
    path: str
    line: int  # 1-based
    column: int  # 1-based, in code points
    code: tuple[tuple[int, str], ...]  # (1-based line number, text) around the finding
    steps: tuple[tuple[int | None, str], ...] = ()  # taint path / related places
    fingerprint: str = ""

    @property
    def title(self) -> str:
        return self.rule.title if self.rule else self.finding.rule_id

    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def code_block(self) -> str:
        width = len(str(self.code[-1][0])) if self.code else 1
        lines = [f"{'>' if n == self.line else ' '}{n:>{width}} | {text}" for n, text in self.code]
        return "```python\n" + "\n".join(lines) + "\n```"

    def data_items(self) -> list[tuple[str, str]]:
        out = []
        for key, value in sorted(self.finding.data.items()):
            if isinstance(value, str | int | float | bool):
                out.append((key, str(value)))
            elif isinstance(value, list | tuple) and all(isinstance(v, str | int) for v in value):
                out.append((key, ", ".join(str(v) for v in value)))
        return out


@dataclass(frozen=True)
class ChatContext:
    message: str
    history: tuple[tuple[str, str], ...] = ()
    path: str | None = None
    selection: tuple[tuple[int, str], ...] = ()  # (1-based line, text) the user selected
    findings: tuple[FindingContext, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def display_path(uri: str) -> str:
    return uri.rsplit("/", 1)[-1] if "/" in uri else uri


def lines_around(doc: Document, first: int, last: int, radius: int = CODE_RADIUS) -> tuple[tuple[int, str], ...]:
    lo = max(0, first - radius)
    hi = min(doc.lines.count - 1, last + radius)
    return tuple((n + 1, doc.line_text(n)) for n in range(lo, hi + 1))


def finding_context(doc: Document, finding: Finding, catalogue: Catalogue, path: str | None = None) -> FindingContext:
    first = doc.lines.line_of(finding.start)
    last = doc.lines.line_of(max(finding.start, finding.end - 1))
    _, col = doc.position_at(finding.start, "utf-32")
    steps: list[tuple[int | None, str]] = []
    for loc in finding.related:
        if loc.uri is None:
            steps.append((doc.lines.line_of(loc.start) + 1, loc.message))
        else:
            line = loc.line + 1 if loc.line is not None else None
            steps.append((line, f"{loc.message} ({display_path(loc.uri)})"))
    return FindingContext(
        finding=finding,
        rule=catalogue.get(finding.rule_id),
        path=path or display_path(doc.uri),
        line=first + 1,
        column=col + 1,
        code=lines_around(doc, first, last),
        steps=tuple(steps),
        fingerprint=fingerprint(doc, finding),
    )
