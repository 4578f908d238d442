"""Suppression comments at line scope: `# codie: ignore[RULE]`, `# noqa: CODE`, `# nosec BXXX`.

A directive applies to a finding when it stands on the finding's first line or on the
last line of the finding (the closing line of a multi-line statement). Suppressed
findings are kept and marked, never dropped: reports show them as suppressed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from codie.core.document import Document
from codie.core.findings import Category, Finding
from codie.core.rules import Catalogue

DIRECTIVE = re.compile(
    r"#\s*(?:(?P<codie>codie:\s*ignore)(?:\[(?P<codie_codes>[^\]]*)\])?"
    r"|(?P<noqa>noqa)(?::\s*(?P<noqa_codes>[\w\s,]+))?"
    r"|(?P<nosec>nosec)(?:[:\s]\s*(?P<nosec_codes>[A-Z]+\d+(?:[\s,]+[A-Z]+\d+)*))?)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Directive:
    kind: str  # "codie" | "noqa" | "nosec"
    codes: tuple[str, ...]  # empty: blanket
    text: str

    def covers(self, finding: Finding, catalogue: Catalogue) -> bool:
        if self.kind == "nosec" and finding.category is not Category.SECURITY:
            return False
        if not self.codes:
            return True
        rule = catalogue.get(finding.rule_id)
        names = {finding.rule_id.upper(), *(a.upper() for a in (rule.aliases if rule else ()))}
        return any(code.upper() in names for code in self.codes)


def directives_on(line_text: str) -> list[Directive]:
    if "#" not in line_text:
        return []
    found = []
    for m in DIRECTIVE.finditer(line_text):
        kind = "codie" if m.group("codie") else "noqa" if m.group("noqa") else "nosec"
        raw = m.group(f"{kind}_codes") or ""
        codes = tuple(c for c in re.split(r"[\s,]+", raw.strip()) if c)
        found.append(Directive(kind, codes, m.group(0)))
    return found


def suppression(doc: Document, finding: Finding, catalogue: Catalogue) -> str | None:
    """The directive text that suppresses `finding`, or None."""
    first = doc.lines.line_of(finding.start)
    last = doc.lines.line_of(max(finding.start, finding.end - 1))
    for line in {first, last}:
        for d in directives_on(doc.line_text(line)):
            if d.covers(finding, catalogue):
                return d.text
    return None


def suppress_comment(rule_id: str) -> str:
    return f"  # codie: ignore[{rule_id}]"
