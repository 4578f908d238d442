"""Hover: why a finding is there, how sure Codie is and why; then other features' notes."""

from __future__ import annotations

from lsprotocol import types

from codie.core.document import Document
from codie.core.findings import Finding
from codie.lsp.server import CodieServer

# "right about 3 times in 4": the rule's prior precision as a fraction a reader can picture
FRACTIONS = (
    (1, 10),
    (1, 5),
    (1, 4),
    (1, 3),
    (2, 5),
    (1, 2),
    (3, 5),
    (2, 3),
    (3, 4),
    (4, 5),
    (9, 10),
    (19, 20),
    (49, 50),
)


MAX_NOTE = 120


def as_fraction(p: float) -> str:
    k, n = min(FRACTIONS, key=lambda f: abs(f[0] / f[1] - p))
    return f"{k} time{'s' if k > 1 else ''} in {n}"


def first_sentence(text: str) -> str:
    text = " ".join(text.split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def confidence_section(finding: Finding, team: str | None = None) -> str:
    """The one explanation of a finding's confidence on hover: how sure, then why in words
    (the rule's record, what this occurrence adds, a model's verdict, the team's feedback,
    with `team` its record when a feature knows it), then the parts as numbers."""
    parts = dict(finding.confidence_parts)
    words = []
    if "prior" in parts:
        words.append(f"this rule is right about {as_fraction(parts['prior'])}")
    evidence = parts.get("evidence")
    if finding.evidence_notes:  # the first two, each a line at most: a hover stays short
        notes = [n if len(n) <= MAX_NOTE else n[: MAX_NOTE - 1] + "…" for n in finding.evidence_notes[:2]]
        more = len(finding.evidence_notes) - len(notes)
        words.append("here " + "; ".join(notes) + (f" (and {more} more)" if more else ""))
    elif evidence is not None and abs(evidence - 0.5) >= 0.1:
        words.append("the evidence here makes it " + ("more" if evidence > 0.5 else "less") + " likely")
    if "model" in parts:
        words.append(f"a model judged it {'real' if parts['model'] >= 0.5 else 'doubtful'}")
    if team:
        words.append(f"your team's feedback on this rule: {team}")
    elif "feedback" in parts:
        words.append(f"your team's feedback on this rule: {parts['feedback']:.0%} kept")
    numbers = ", ".join(f"{name} {value:.2f}" for name, value in finding.confidence_parts)
    reason = "; ".join(words) or "no evidence beyond the rule itself"
    return f"**Confidence {finding.confidence:.0%}**: {reason}. _({numbers})_"


def explain(ls: CodieServer, doc: Document, finding: Finding) -> str:
    """Why (one sentence), the path, the fix, then how sure and why; the diagnostic already
    shows the message, so it is not repeated."""
    rule = ls.catalogue.get(finding.rule_id)
    title = rule.title if rule else finding.rule_id
    why = first_sentence(rule.explanation) if rule and rule.explanation.strip() else finding.message
    lines = [f"**{finding.rule_id}** {title}", "", why]
    if finding.related:
        lines += ["", "**Path:**"]
        lines += [f"{i}. {loc.message}" for i, loc in enumerate(finding.related, 1)]
    if rule is not None and rule.fix:
        lines += ["", f"**Fix:** {rule.fix.strip()}"]
    team = next(filter(None, (record(ls, doc, finding) for record in ls.hooks.team_record)), None)
    lines += ["", confidence_section(finding, team)]
    if rule is not None and rule.cwe:
        lines += ["", "CWE: " + ", ".join(rule.cwe)]
    return "\n".join(lines)


def findings_at(ls: CodieServer, doc: Document, offset: int) -> list[Finding]:
    analysis = ls.analyses.get(doc.uri)
    if analysis is None:
        return []
    return [f for f in ls.visible_findings(analysis) if f.start <= offset <= max(f.end, f.start)]


def finding_hover(ls: CodieServer, doc: Document, params: types.HoverParams) -> str | None:
    pos = params.position
    offset = doc.offset_at(pos.line, pos.character, ls.encoding)
    found = findings_at(ls, doc, offset)
    return "\n\n---\n\n".join(explain(ls, doc, f) for f in found) if found else None


def register(server: CodieServer) -> None:
    server.hooks.hover.append(finding_hover)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: CodieServer, params: types.HoverParams) -> types.Hover | None:
        # Answered from the analysis as it stands: mid-analysis its findings are already in
        # the current text's offsets (engine: what the edits touched is left out until
        # analysed again), so a hover never waits behind the whole-document work of the
        # keystrokes before it. Only a document never analysed yet is waited for.
        analysis = ls.analyses.get(params.text_document.uri)
        if analysis is not None and not analysis.analysed:
            analysis = await ls.settled(params.text_document.uri)
        if analysis is None:
            return None
        sections = []
        with ls.presenting_once():  # (several providers look at the visible findings)
            for provider in ls.hooks.hover:
                try:
                    text = provider(ls, analysis.doc, params)
                except Exception:  # one broken provider must not hide the others
                    import logging

                    logging.getLogger(__name__).exception("hover provider failed")
                    continue
                if text:
                    sections.append(text)
        if not sections:
            return None
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(sections))
        )
