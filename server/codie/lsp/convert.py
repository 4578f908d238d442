"""Finding -> LSP types, in the negotiated position encoding. The only place that knows both."""

from __future__ import annotations

import dataclasses
import json
from collections import OrderedDict
from typing import Any

from lsprotocol import types

from codie.core.document import Document
from codie.core.findings import Finding, Severity, TextEdit
from codie.core.pipeline import diagnostic_dict

SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


def lsp_range(doc: Document, start: int, end: int, encoding: str) -> types.Range:
    sl, sc = doc.position_at(start, encoding)
    el, ec = doc.position_at(end, encoding)
    return types.Range(types.Position(sl, sc), types.Position(el, ec))


def text_edit(doc: Document, edit: TextEdit, encoding: str) -> types.TextEdit:
    return types.TextEdit(range=lsp_range(doc, edit.start, edit.end, encoding), new_text=edit.new_text)


def diagnostic(doc: Document, f: Finding, encoding: str, severity: Severity) -> types.Diagnostic:
    """The finding as a Diagnostic: core.pipeline.diagnostic_dict (the one serialisation,
    also used by the workspace scan) in lsprotocol's types."""
    return from_dict(diagnostic_json(doc, f, encoding, severity))


def diagnostic_json(doc: Document, f: Finding, encoding: str, severity: Severity) -> dict[str, Any]:
    """The finding as a Diagnostic in JSON form, as it goes on the wire. Publishing uses this
    directly: building lsprotocol objects only for pygls to unstructure them again cost
    about a third of each keystroke's publish on a large file."""
    if severity != f.severity:
        f = dataclasses.replace(f, severity=severity)
    return diagnostic_dict(doc, f, encoding)


class DiagnosticCache:
    """Diagnostics in JSON form and as JSON text, by everything they are made of (their
    positions included). A keystroke changes one or two of a file's diagnostics and moves
    some others by a line: the rest are published again exactly as they were, so their
    dicts and text are reused instead of being rebuilt and re-encoded on every publish."""

    def __init__(self, limit: int = 8_192) -> None:
        self.limit = limit
        self._entries: OrderedDict[tuple[object, ...], tuple[dict[str, Any], str]] = OrderedDict()

    def get(self, doc: Document, f: Finding, encoding: str, severity: Severity) -> tuple[dict[str, Any], str]:
        def at(start: int, end: int) -> tuple[int, int, int, int]:
            return (*doc.position_at(start, encoding), *doc.position_at(end, encoding))

        related = tuple(
            (loc.uri, loc.line, loc.column, loc.message)
            if loc.uri is not None
            else (at(loc.start, loc.end), loc.message)
            for loc in f.related
        )
        key = (
            doc.uri,
            at(f.start, f.end),
            related,
            severity,
            f.rule_id,
            f.message,
            f.confidence,
            f.confidence_parts,
            f.category,
            f.cwe,
            f.fix is not None,
            f.data.get("fingerprint"),
        )
        found = self._entries.get(key)
        if found is None:
            d = diagnostic_json(doc, f, encoding, severity)
            found = (d, json.dumps(d))
            self._entries[key] = found
            if len(self._entries) > self.limit:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        return found


def _range(r: dict[str, Any]) -> types.Range:
    return types.Range(types.Position(**r["start"]), types.Position(**r["end"]))


def from_dict(d: dict[str, Any]) -> types.Diagnostic:
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri=r["location"]["uri"], range=_range(r["location"]["range"])),
            message=r["message"],
        )
        for r in d.get("relatedInformation", ())
    ]
    return types.Diagnostic(
        range=_range(d["range"]),
        message=d["message"],
        severity=types.DiagnosticSeverity(d["severity"]),
        code=d["code"],
        source=d["source"],
        tags=[types.DiagnosticTag(t) for t in d["tags"]] if d.get("tags") else None,
        related_information=related or None,
        data=d.get("data"),
    )
