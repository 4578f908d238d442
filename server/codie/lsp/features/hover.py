"""Hover: why a finding is there, how sure Codie is and why; then other features' notes."""

from __future__ import annotations

from lsprotocol import types

from codie.core.document import Document
from codie.core.findings import Finding
from codie.lsp.server import CodieServer


def explain(ls: CodieServer, finding: Finding) -> str:
    rule = ls.catalogue.get(finding.rule_id)
    title = rule.title if rule else finding.rule_id
    parts = ", ".join(f"{name} {value:.2f}" for name, value in finding.confidence_parts)
    lines = [f"### {finding.rule_id}: {title}", "", finding.message, ""]
    lines.append(f"**Confidence {finding.confidence:.0%}** ({parts}).")
    if finding.evidence_notes:
        lines += ["", "Why: " + "; ".join(finding.evidence_notes) + "."]
    if finding.related:
        lines += ["", "Path:"]
        lines += [f"{i}. {loc.message}" for i, loc in enumerate(finding.related, 1)]
    if rule is not None:
        lines += ["", rule.explanation.strip()]
        if rule.fix:
            lines += ["", f"**Fix:** {rule.fix.strip()}"]
        if rule.cwe:
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
    return "\n\n---\n\n".join(explain(ls, f) for f in found) if found else None


def register(server: CodieServer) -> None:
    server.hooks.hover.append(finding_hover)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: CodieServer, params: types.HoverParams) -> types.Hover | None:
        analysis = await ls.settled(params.text_document.uri)
        if analysis is None:
            return None
        sections = []
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
            contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(sections)
            )
        )
