"""The pull request's summary: findings ranked, the noise filter applied, the hidden counted.

The check run's summary (one per head commit, updated in place on a redelivery) opens with
this ranking. Team feedback from `@codie ignore` replies (llm/feedback.py, one project per
repository) moves each rule's confidence the same way it does in the editor, so a rule the
team keeps dismissing sinks under the threshold, and a dismissed finding stays hidden.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from codie.core.confidence import reblend
from codie.core.findings import Severity
from codie.llm.feedback import FeedbackStore
from codie.report.model import Located

# how much a finding's severity weighs against its confidence when ranking: an error at 60%
# ranks above a warning at 80%, a hint never above a likely warning
WEIGHT = {Severity.ERROR: 1.0, Severity.WARNING: 0.7, Severity.INFO: 0.4, Severity.HINT: 0.2}


def project_key(repo: str) -> str:
    """The feedback store's project for a GitHub repository."""
    return f"github:{repo}"


def score(located: Located) -> float:
    return located.finding.confidence * WEIGHT[located.severity]


def rank(results: list[Located]) -> list[Located]:
    return sorted(results, key=lambda r: (-score(r), -r.severity.rank, r.path, r.start_line, r.finding.rule_id))


@dataclass
class Triage:
    shown: list[Located] = field(default_factory=list)  # ranked, most important first
    below: list[Located] = field(default_factory=list)  # under the confidence threshold
    dismissed: list[Located] = field(default_factory=list)  # ignored in a reply on this repository
    min_confidence: float = 0.0

    @property
    def hidden(self) -> int:
        return len(self.below) + len(self.dismissed)


def rescore(located: Located, store: FeedbackStore | None, project: str) -> Located:
    """The finding with the repository's feedback added to its confidence."""
    if store is None:
        return located
    f = located.finding
    signal = store.signal(project, f.rule_id, dict(f.confidence_parts).get("prior", 0.5))
    if signal is None:
        return located
    confidence, parts = reblend(f.confidence_parts, feedback=signal)
    return dataclasses.replace(located, finding=dataclasses.replace(f, confidence=confidence, confidence_parts=parts))


def triage(
    results: list[Located],
    min_confidence: float,
    store: FeedbackStore | None,
    project: str,
    fingerprint: Callable[[Located], str],
) -> Triage:
    """Split unsuppressed findings into shown, below the threshold, and dismissed (by their
    review-comment fingerprint)."""
    out = Triage(min_confidence=min_confidence)
    for located in results:
        if located.suppressed is not None:
            continue
        if store is not None and store.is_rejected(project, fingerprint(located)):
            out.dismissed.append(located)
            continue
        scored = rescore(located, store, project)
        (out.shown if scored.finding.confidence >= min_confidence else out.below).append(scored)
    out.shown = rank(out.shown)
    return out


def render(t: Triage, suggestions: int = 0) -> str:
    """Markdown: the ranked table, then what the noise filter hid."""
    lines = [f"### {len(t.shown)} finding(s) on changed lines, most important first", ""]
    if t.shown:
        lines += ["| # | severity | confidence | rule | where | finding |", "|---|---|---|---|---|---|"]
        for i, r in enumerate(t.shown, 1):
            f = r.finding
            message = f.message.replace("|", "\\|").replace("\n", " ")
            lines.append(
                f"| {i} | {r.severity.value} | {f.confidence:.0%} | `{f.rule_id}` "
                f"| `{r.path}:{r.start_line}` | {message} |"
            )
        lines.append("")
    hidden = []
    if t.below:
        hidden.append(f"{len(t.below)} below the {t.min_confidence:.0%} confidence threshold")
    if t.dismissed:
        hidden.append(f"{len(t.dismissed)} dismissed with `@codie ignore`")
    lines.append(f"**Hidden by the noise filter: {t.hidden}**" + (f" ({'; '.join(hidden)})." if hidden else "."))
    if suggestions:
        lines.append(f"{suggestions} review comment(s) carry a verified fix as a suggestion you can apply.")
    lines += ["", "Reply to a Codie review comment with `@codie why`, `@codie fix` or `@codie ignore <reason>`.", ""]
    return "\n".join(lines)
