"""Finding -> LSP types, in the negotiated position encoding. The only place that knows both.

lsprotocol is imported where its types are made, not with this module: the start path
encodes a first file's diagnostics (DiagnosticCache: JSON, no lsprotocol object) before
pygls and lsprotocol are imported (lsp/early_open.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import operator
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from codie.core.document import Document
from codie.core.findings import Finding, Severity, TextEdit
from codie.core.pipeline import diagnostic_dict

if TYPE_CHECKING:
    from lsprotocol import types


def lsp_range(doc: Document, start: int, end: int, encoding: str) -> types.Range:
    from lsprotocol import types

    sl, sc = doc.position_at(start, encoding)
    el, ec = doc.position_at(end, encoding)
    return types.Range(types.Position(sl, sc), types.Position(el, ec))


def text_edit(doc: Document, edit: TextEdit, encoding: str) -> types.TextEdit:
    from lsprotocol import types

    return types.TextEdit(range=lsp_range(doc, edit.start, edit.end, encoding), new_text=edit.new_text)


def diagnostic_json(doc: Document, f: Finding, encoding: str, severity: Severity) -> dict[str, Any]:
    """The finding as a Diagnostic in JSON form, as it goes on the wire. Publishing uses this
    directly: building lsprotocol objects only for pygls to unstructure them again cost
    about a third of each keystroke's publish on a large file."""
    if severity != f.severity:
        f = dataclasses.replace(f, severity=severity)
    return diagnostic_dict(doc, f, encoding)


Entry = tuple[dict[str, Any], str]  # a diagnostic in JSON form and as JSON text
Place = tuple[tuple[int, int, int, int], tuple[tuple[int, int, int, int], ...]]  # (range, related ranges)


class _Record:
    """One finding as published: what its diagnostic is made of and what it became."""

    __slots__ = ("content", "entry", "finding", "hash", "line_at", "pieces", "place", "reach", "severity", "shell")

    def __init__(
        self,
        finding: Finding,
        severity: Severity,
        content: tuple[object, ...],
        content_hash: int,
        place: Place,
        shell: Entry,
        entry: Entry,
        line_at: int,
        pieces: tuple[str, ...] | None = None,
    ) -> None:
        self.finding = finding  # kept: its id (and its data's) key the record
        self.severity = severity
        self.content = content  # everything but positions (the encoding first)
        self.hash = content_hash  # hash(content), computed once: tuples do not keep theirs
        self.place = place
        self.shell = shell
        self.entry = entry
        # where the line of its first same-file offset starts: the text from there on decides
        # its positions (see _Shift)
        self.line_at = line_at
        # the entry's text cut where its line numbers go (_pieces; None: not cut yet, or
        # not cuttable): the same diagnostic on other lines is a join
        self.pieces = pieces
        # the text before this offset decides the diagnostic's positions (a position
        # inside a line break looks up to 2 bytes on, a \r\n a byte more)
        reach = max(finding.start, finding.end)
        if finding.related:
            reach = max([reach, *(max(loc.start, loc.end) for loc in finding.related if loc.uri is None)])
        self.reach = reach + 3


class _Shift(NamedTuple):
    """How the text's unchanged end moved since the publish before (Document.moved_end): a
    diagnostic whose lines start at or after `tail` then (and whose offsets all moved by
    `delta` bytes) is on the same columns, `lines` lines further down. The bytes from a
    line's start on decide its positions (the clamp of an offset inside a line break looks
    ahead, not back)."""

    tail: int  # an offset in the text of the publish before
    delta: int  # bytes
    lines: int


class _Generation:
    """What one publish of a document used, by the finding's identity, by its data dict's
    identity (a finding the engine moved is a copy that shares it) and by content."""

    __slots__ = ("by_content", "by_data", "by_id", "doc", "lines", "prefix", "serial", "shift", "size")

    def __init__(self, doc: Document | None = None, prefix: int = 0, shift: _Shift | None = None) -> None:
        self.by_id: dict[int, _Record] = {}
        self.by_data: dict[int, _Record] = {}
        self.by_content: dict[int, _Record] = {}  # by hash(content): a record's content is checked
        self.doc = doc  # the document and its edit serial when the publish began
        self.serial = doc.serial if doc is not None else -1
        self.size = len(doc.source) if doc is not None else 0  # and its length and lines then
        self.lines = doc.lines.count if doc is not None else 0
        self.prefix = prefix  # bytes of the text unchanged since the publish before
        self.shift = shift  # and how its end moved


class DiagnosticCache:
    """Diagnostics in JSON form and as JSON text, reused between publishes. A keystroke
    changes one or two of a file's diagnostics and moves some others by a line: the rest
    are published again exactly as they were, so their dicts and text are reused instead
    of being rebuilt and re-encoded on every publish.

    Three ways to know a diagnostic again, cheapest first:
    - the same Finding object as at the last publish (everything before the edit: the
      engine keeps those objects) whose positions depend only on text that no edit since
      touched (Document.unchanged_since): its entry as it was, no position computed, no
      content hashed;
    - a moved copy (an edit above it: the engine's copy shares the finding's `data` dict,
      and so does the editor's rescored copy): found by that dict's identity, its content
      compared (equal fields are mostly the same objects: cheap);
    - otherwise by content, hashed once.
    A diagnostic that only moved keeps the encoded text of everything but its positions
    (message, code, data: most of its bytes): only its range and its related locations'
    ranges are encoded again.

    Per document, what the last two publishes used is kept (begin() starts a publish), so
    the cache holds about two publishes' worth of diagnostics per open document. (It was
    one store of 8,192 entries for everything: typing with new lines, every diagnostic
    below moved and was stored again, and the process grew by ~25 MiB until it was full.)
    """

    def __init__(self, limit: int = 8_192) -> None:
        self.limit = limit  # entries of one publish of one document, at most
        self._now: dict[str, _Generation] = {}
        self._before: dict[str, _Generation] = {}

    def begin(self, doc: Document) -> None:
        """A publish of doc starts: what the last one used becomes the one before."""
        last = self._now.pop(doc.uri, None)
        if last is None:
            last = _Generation()
        prefix = 0  # the same findings' positions are known good before this offset
        shift = None
        if last.doc is doc:
            kept = doc.unchanged_since(last.serial)
            moved = doc.moved_end(last.serial, last.size)
            if kept is not None and moved is not None:
                prefix = kept[0]
                shift = _Shift(*moved, doc.lines.count - last.lines)
        self._before[doc.uri] = last
        self._now[doc.uri] = _Generation(doc, prefix, shift)

    def forget(self, uri: str) -> None:
        self._now.pop(uri, None)
        self._before.pop(uri, None)

    def encode(
        self, doc: Document, shown: Iterable[Finding], encoding: str, severity_of: Callable[[Finding], Severity]
    ) -> list[Entry]:
        """One publish of doc's shown findings (begin, then each entry): a baselined finding
        keeps the severity it was stored with, the others take the settings' (severity_of).
        The server's publishes and the start path's first one (lsp/early_open.py) both
        encode here, so the two cannot differ."""
        return [record.entry for record in self.encode_records(doc, shown, encoding, severity_of)]

    def encode_records(
        self, doc: Document, shown: Iterable[Finding], encoding: str, severity_of: Callable[[Finding], Severity]
    ) -> list[Encoded]:
        """encode(), each diagnostic with what it was made of (moved_entry moves it)."""
        self.begin(doc)
        record = self.record
        return [record(doc, f, encoding, f.severity if f.data.get("baselined") else severity_of(f)) for f in shown]

    def get(self, doc: Document, f: Finding, encoding: str, severity: Severity) -> Entry:
        return self.record(doc, f, encoding, severity).entry

    def record(self, doc: Document, f: Finding, encoding: str, severity: Severity) -> Encoded:
        now = self._now.get(doc.uri)
        if now is None or len(now.by_id) >= self.limit or now.doc is not doc:
            now = self._now[doc.uri] = _Generation(doc)  # (no begin(): nothing known unchanged)
        before = self._before.get(doc.uri)
        if before is not None:
            known = before.by_id.get(id(f))
            if (
                known is not None
                and known.finding is f
                and known.reach <= now.prefix
                and known.severity is severity
                and known.content[0] == encoding
            ):
                now.by_id[id(f)] = now.by_data[id(f.data)] = now.by_content[known.hash] = known
                return known
        like = before.by_data.get(id(f.data)) if before is not None else None
        shift = now.shift
        if (
            like is not None
            and shift is not None
            and like.line_at >= shift.tail
            and like.severity is severity
            and like.content[0] == encoding
            and (place := _moved(like, f, shift)) is not None
        ):  # the same diagnostic on other lines: no position, content or text computed
            if like.pieces is None:
                like.pieces = _pieces(doc, f, like.place, like.shell)
            entry = _placed(doc, f, place, *like.shell, like.pieces)
            record = _Record(
                f, severity, like.content, like.hash, place, like.shell, entry, like.line_at + shift.delta, like.pieces
            )
            now.by_id[id(f)] = now.by_data[id(f.data)] = now.by_content[like.hash] = record
            return record
        position_at, source = doc.lines.position_at, doc.source
        span = (*position_at(source, f.start, encoding), *position_at(source, f.end, encoding))
        if f.related:  # (most findings have none: no generators to make for them)
            related = tuple(
                (loc.uri, loc.line, loc.column, loc.message) if loc.uri is not None else (None, 0, 0, loc.message)
                for loc in f.related
            )
            spans = tuple(
                (*position_at(source, loc.start, encoding), *position_at(source, loc.end, encoding))
                for loc in f.related
                if loc.uri is None
            )
        else:
            related = spans = ()
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
        place = (span, spans)
        if like is None or like.content != content:
            content_hash = hash(content)
            like = now.by_content.get(content_hash)
            if like is None and before is not None:
                like = before.by_content.get(content_hash)
            if like is not None and like.content != content:
                like = None  # (another content with the same hash)
        else:
            content_hash = like.hash
        if like is None:
            d = diagnostic_json(doc, f, encoding, severity)
            rest = {k: v for k, v in d.items() if k not in _PLACED}
            shell = (rest, json.dumps(rest))
            entry = _placed(doc, f, place, *shell)  # (json.dumps(d)'s text, its bulk encoded once)
        else:
            shell = like.shell
            entry = like.entry if like.place == place else _placed(doc, f, place, *shell)
        line_at = doc.lines.start(min(span[0], *(s[0] for s in spans)) if spans else span[0])
        record = _Record(f, severity, content, content_hash, place, shell, entry, line_at)
        now.by_id[id(f)] = now.by_data[id(f.data)] = now.by_content[content_hash] = record
        return record


Encoded = _Record  # (the name other modules use: what a diagnostic was encoded from)


def moved_text(doc: Document, record: Encoded, place: Place) -> str:
    """The JSON text of record's diagnostic at `place`: the same columns, other lines (every
    line number of record.place moved alike). A join of its text's pieces: nothing encoded
    again, no dict made."""
    pieces = record.pieces
    if pieces is None:
        pieces = record.pieces = _pieces(doc, record.finding, record.place, record.shell)
    if len(pieces) == 3:  # (no related place in this file: the range's two lines)
        return f"{pieces[0]}{place[0][0]}{pieces[1]}{place[0][2]}{pieces[2]}"
    if pieces:
        return _joined(pieces, _lines(place))
    return _placed(doc, record.finding, place, *record.shell)[1]


def moved_place(place: Place, lines: int) -> Place:
    """place, `lines` lines further down."""
    (sl, sc, el, ec), spans = place
    if spans:
        spans = tuple((a + lines, b, c + lines, e) for a, b, c, e in spans)
    return (sl + lines, sc, el + lines, ec), spans


_PLACED = ("range", "relatedInformation")  # the fields that hold positions


def _range_of(at: tuple[int, int, int, int]) -> dict[str, Any]:
    return {"start": {"line": at[0], "character": at[1]}, "end": {"line": at[2], "character": at[3]}}


# what a diagnostic says of its finding besides positions, fix and data (see get's content)
_SAID = operator.attrgetter("rule_id", "message", "confidence", "confidence_parts", "category", "cwe")


def _moved(like: _Record, f: Finding, shift: _Shift) -> Place | None:
    """The place of `like`'s diagnostic for f when f is `like`'s finding moved by the shift:
    every same-file offset moved by shift.delta, everything else in the diagnostic equal
    (`like`'s content, its severity and encoding checked by the caller, as is that its
    lines start in the unchanged end of the text: like.line_at >= shift.tail). Else None."""
    g = like.finding
    if _SAID(f) != _SAID(g) or f.data.get("fingerprint") != like.content[-1] or not moved_alike(f, g, shift.delta):
        return None
    return moved_place(like.place, shift.lines)


def moved_alike(f: Finding, g: Finding, delta: int) -> bool:
    """f's same-file offsets are g's moved by `delta` bytes, its related locations say what
    g's say, and both have a fix or neither (what else must be equal is the caller's)."""
    if f.start - g.start != delta or f.end - g.end != delta or (f.fix is None) != (g.fix is None):
        return False
    if len(f.related) != len(g.related):
        return False
    for loc, old in zip(f.related, g.related, strict=True):
        if loc.uri is None:
            if old.uri is not None or loc.start - old.start != delta or loc.end - old.end != delta:
                return False
        elif (loc.uri, loc.line, loc.column) != (old.uri, old.line, old.column):
            return False
        if loc.message != old.message:
            return False
    return True


_CUT = -7_357_159_031  # a line number no diagnostic has: where _pieces cuts the text


def _pieces(doc: Document, f: Finding, place: Place, shell: Entry) -> tuple[str, ...]:
    """The diagnostic's JSON text at `place`, cut where its line numbers go (in _lines'
    order): the text at the same columns on other lines is the pieces joined with those
    lines. () when the cut is not clean (the marker appears in the text already)."""
    span, spans = place
    marked = ((_CUT, span[1], _CUT, span[3]), tuple((_CUT, s[1], _CUT, s[3]) for s in spans))
    pieces = tuple(_placed(doc, f, marked, *shell)[1].split(str(_CUT)))
    return pieces if len(pieces) == 2 * (1 + len(spans)) + 1 else ()


def _lines(place: Place) -> tuple[int, ...]:
    span, spans = place
    return (span[0], span[2], *(line for s in spans for line in (s[0], s[2])))


def _placed(
    doc: Document, f: Finding, place: Place, rest: dict[str, Any], rest_text: str, pieces: tuple[str, ...] | None = None
) -> Entry:
    """A diagnostic from its position-free fields (dict and text) and new positions: the
    same JSON text as a fresh conversion (diagnostic_json, then json.dumps) gives. With
    `pieces` (_pieces of the same diagnostic at the same columns), the text is a join."""
    span, spans = place
    sl, sc, el, ec = span
    d: dict[str, Any] = {"range": _range_of(span), **rest}
    # numbers only: json.dumps's text, without its encoder's per-call work
    head = f'{{"range": {{"start": {{"line": {sl}, "character": {sc}}}, "end": {{"line": {el}, "character": {ec}}}}}'
    tail = "}"
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
        d["relatedInformation"] = related  # last, as diagnostic_json puts it
        if pieces:
            return d, _joined(pieces, _lines(place))
        tail = f', "relatedInformation": {json.dumps(related)}}}'
    elif pieces:
        return d, f"{pieces[0]}{sl}{pieces[1]}{el}{pieces[2]}"
    return d, head + (", " + rest_text[1:-1] if rest else "") + tail


def _joined(pieces: tuple[str, ...], lines: tuple[int, ...]) -> str:
    out = [pieces[0]]
    for line, piece in zip(lines, pieces[1:], strict=False):
        out += (str(line), piece)
    return "".join(out)


def _range(r: dict[str, Any]) -> types.Range:
    from lsprotocol import types

    return types.Range(types.Position(**r["start"]), types.Position(**r["end"]))


def from_dict(d: dict[str, Any]) -> types.Diagnostic:
    from lsprotocol import types

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


def publish_params(uri: str, version: int | None, texts: Iterable[str]) -> str:
    """publishDiagnostics params as JSON text, from diagnostics encoded already (the
    server's publishes and the start path's first one, lsp/early_open.py)."""
    items = ",".join(texts)
    params = f'{{"uri": {json.dumps(uri)}, "diagnostics": [{items}]'
    return params + (f', "version": {json.dumps(version)}}}' if version is not None else "}")


def report_id(texts: list[str]) -> str:
    """A pull report's resultId: a digest of its items as they are written. Equal items,
    equal id, whatever changed around them (the text, a notebook's other cells, a baseline,
    the settings): a client whose previous id is this one has exactly these diagnostics.
    (It was the text's digest, the shown findings' repr and the document's version: ~1 ms
    of CPU per pull on the 6,862-line file, where this is ~0.05.)"""
    # (JSON texts hold no raw newline: joined with one, the items stay apart)
    return hashlib.blake2b("\n".join(texts).encode(), digest_size=12).hexdigest()


def report_json(result_id: str, texts: Iterable[str] | None) -> str:
    """A textDocument/diagnostic answer as JSON text: the full report of diagnostics encoded
    already, or (texts None) the unchanged one."""
    if texts is None:
        return f'{{"kind": "unchanged", "resultId": {json.dumps(result_id)}}}'
    return f'{{"kind": "full", "resultId": {json.dumps(result_id)}, "items": [{",".join(texts)}]}}'
