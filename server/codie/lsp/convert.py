"""Finding -> LSP types, in the negotiated position encoding. The only place that knows both."""

from __future__ import annotations

import dataclasses
import json
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


Entry = tuple[dict[str, Any], str]  # a diagnostic in JSON form and as JSON text


class _Generation:
    """What one publish of a document used: entries by content and place, and shells (the
    position-free part of each diagnostic, dict and text) by content."""

    __slots__ = ("entries", "shells")

    def __init__(self) -> None:
        self.entries: dict[tuple[object, ...], Entry] = {}
        self.shells: dict[tuple[object, ...], Entry] = {}


class DiagnosticCache:
    """Diagnostics in JSON form and as JSON text, by everything they are made of (their
    positions included). A keystroke changes one or two of a file's diagnostics and moves
    some others by a line: the rest are published again exactly as they were, so their
    dicts and text are reused instead of being rebuilt and re-encoded on every publish.

    A diagnostic that only moved (an edit above it) keeps the encoded text of everything
    but its positions (message, code, data: most of its bytes): only its range and its
    related locations' ranges are encoded again.

    Per document, what the last two publishes used is kept (begin() starts a publish), so
    the cache holds about two publishes' worth of diagnostics per open document. (It was
    one store of 8,192 entries for everything: typing with new lines, every diagnostic
    below moved and was stored again, and the process grew by ~25 MiB until it was full.)
    """

    def __init__(self, limit: int = 8_192) -> None:
        self.limit = limit  # entries of one publish of one document, at most
        self._now: dict[str, _Generation] = {}
        self._before: dict[str, _Generation] = {}

    def begin(self, uri: str) -> None:
        """A publish of uri starts: what the last one used becomes the one before."""
        last = self._now.pop(uri, None)
        self._before[uri] = last if last is not None else _Generation()
        self._now[uri] = _Generation()

    def forget(self, uri: str) -> None:
        self._now.pop(uri, None)
        self._before.pop(uri, None)

    def get(self, doc: Document, f: Finding, encoding: str, severity: Severity) -> Entry:
        position_at, source = doc.lines.position_at, doc.source

        def at(start: int, end: int) -> tuple[int, int, int, int]:
            return (*position_at(source, start, encoding), *position_at(source, end, encoding))

        related = tuple(
            (loc.uri, loc.line, loc.column, loc.message) if loc.uri is not None else (None, 0, 0, loc.message)
            for loc in f.related
        )
        content = (
            encoding,
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
        place = (at(f.start, f.end), tuple(at(loc.start, loc.end) for loc in f.related if loc.uri is None))
        key = (content, place)
        now = self._now.get(doc.uri)
        if now is None or len(now.entries) >= self.limit:
            now = self._now[doc.uri] = _Generation()
        before = self._before.get(doc.uri)
        found = now.entries.get(key)
        if found is None and before is not None:
            found = before.entries.get(key)
        shell = now.shells.get(content)
        if shell is None and before is not None:
            shell = before.shells.get(content)
        if found is not None:  # (its shell was kept with it, in the same generation)
            now.entries[key] = found
            if shell is not None:
                now.shells[content] = shell
            return found
        if shell is None:
            d = diagnostic_json(doc, f, encoding, severity)
            rest = {k: v for k, v in d.items() if k not in _PLACED}
            shell = (rest, json.dumps(rest))
            found = (d, json.dumps(d))
        else:
            found = _placed(doc, f, place, *shell)
        now.shells[content] = shell
        now.entries[key] = found
        return found


_PLACED = ("range", "relatedInformation")  # the fields that hold positions


def _range_of(at: tuple[int, int, int, int]) -> dict[str, Any]:
    return {"start": {"line": at[0], "character": at[1]}, "end": {"line": at[2], "character": at[3]}}


def _placed(
    doc: Document,
    f: Finding,
    place: tuple[tuple[int, int, int, int], tuple[tuple[int, int, int, int], ...]],
    rest: dict[str, Any],
    rest_text: str,
) -> tuple[dict[str, Any], str]:
    """A diagnostic from its position-free fields (dict and text) and new positions: the
    same JSON as diagnostic_json gives (the fields in another order)."""
    span, spans = place
    d: dict[str, Any] = {"range": _range_of(span), **rest}
    placed = {"range": d["range"]}
    if f.related:
        inside = iter(spans)
        related = []
        for loc in f.related:
            if loc.uri is None:
                where = _range_of(next(inside))
            else:
                point = {"line": loc.line or 0, "character": loc.column or 0}
                where = {"start": point, "end": dict(point)}
            related.append({"location": {"uri": loc.uri or doc.uri, "range": where}, "message": loc.message})
        d["relatedInformation"] = placed["relatedInformation"] = related
        head = json.dumps(placed)
    else:  # numbers only: json.dumps's text, without its encoder's per-call work
        sl, sc, el, ec = span
        head = (
            f'{{"range": {{"start": {{"line": {sl}, "character": {sc}}}, "end": {{"line": {el}, "character": {ec}}}}}}}'
        )
    return d, head[:-1] + ", " + rest_text[1:] if rest else head


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
