"""Finding -> LSP types, in the negotiated position encoding. The only place that knows both."""

from __future__ import annotations

from lsprotocol import types

from codie.core.document import Document
from codie.core.findings import Finding, Severity, TextEdit

SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}
UNNECESSARY_RULES = {"Q004"}


def lsp_range(doc: Document, start: int, end: int, encoding: str) -> types.Range:
    sl, sc = doc.position_at(start, encoding)
    el, ec = doc.position_at(end, encoding)
    return types.Range(types.Position(sl, sc), types.Position(el, ec))


def text_edit(doc: Document, edit: TextEdit, encoding: str) -> types.TextEdit:
    return types.TextEdit(range=lsp_range(doc, edit.start, edit.end, encoding), new_text=edit.new_text)


def diagnostic(doc: Document, f: Finding, encoding: str, severity: Severity) -> types.Diagnostic:
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(
                uri=loc.uri or doc.uri,
                range=lsp_range(doc, loc.start, loc.end, encoding)
                if loc.uri is None
                else types.Range(
                    types.Position(loc.line or 0, loc.column or 0),
                    types.Position(loc.line or 0, loc.column or 0),
                ),
            ),
            message=loc.message,
        )
        for loc in f.related
    ]
    return types.Diagnostic(
        range=lsp_range(doc, f.start, f.end, encoding),
        # the confidence leads, so a long message cut off in a list or virtual text keeps it
        message=f"[{f.confidence:.0%}] {f.message}",
        severity=SEVERITY[severity],
        code=f.rule_id,
        source="codie",
        tags=[types.DiagnosticTag.Unnecessary] if f.rule_id in UNNECESSARY_RULES else None,
        related_information=related or None,
        data={
            "ruleId": f.rule_id,
            "confidence": f.confidence,
            "parts": dict(f.confidence_parts),
            "category": f.category.value,
            "cwe": list(f.cwe),
            "hasFix": f.fix is not None,
            **({"fingerprint": f.data["fingerprint"]} if "fingerprint" in f.data else {}),
        },
    )
