"""The audit report's content, computed once for Markdown, HTML and PDF alike."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from codie.core.findings import Category, Severity
from codie.core.rules import catalogue
from codie.report.model import Located, Run

BANDS = (("high (>= 80%)", 0.8), ("medium (50-80%)", 0.5), ("low (< 50%)", 0.0))
ORDER = [Severity.ERROR, Severity.WARNING, Severity.INFO, Severity.HINT]


def band(confidence: float) -> str:
    return next(name for name, floor in BANDS if confidence >= floor)


@dataclass
class Entry:
    located: Located
    title: str
    explanation: str  # the first paragraph of the rule's explanation


@dataclass
class Summary:
    files: int
    total: int
    by_severity: dict[str, int]
    by_confidence: dict[str, int]
    by_rule: list[tuple[str, str, int]]
    findings: list[Entry] = field(default_factory=list)
    advisories: list[Entry] = field(default_factory=list)
    suppressed: int = 0


def summarize(run: Run) -> Summary:
    cat = catalogue()
    shown = run.shown
    entries = []
    for located in sorted(shown, key=lambda r: (-r.severity.rank, -r.finding.confidence, r.path, r.start_line)):
        rule = cat.get(located.finding.rule_id)
        first_paragraph = rule.explanation.strip().split("\n\n")[0].replace("\n", " ") if rule else ""
        entries.append(Entry(located, rule.title if rule else located.finding.rule_id, first_paragraph))
    rules = Counter(r.finding.rule_id for r in shown)
    return Summary(
        files=len(run.files),
        total=len(shown),
        by_severity={s.value: sum(1 for r in shown if r.severity is s) for s in ORDER},
        by_confidence={name: sum(1 for r in shown if band(r.finding.confidence) == name) for name, _ in BANDS},
        by_rule=[(rid, cat[rid].title if rid in cat else rid, n) for rid, n in rules.most_common()],
        findings=[e for e in entries if e.located.finding.category is not Category.DEPENDENCY],
        advisories=[e for e in entries if e.located.finding.category is Category.DEPENDENCY],
        suppressed=len(run.results) - len(shown),
    )
