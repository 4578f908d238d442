"""What the editor shows of an analysis: the one present step (core/presenting.py) with
the folder's baseline, the new-code lines and the editor's own rescoring.

Baselines are read once per folder and dropped when the file changes on disk
(workspace/didChangeWatchedFiles) or the settings change; never re-read per keystroke.

`partial=True`: what a just-opened document shows before its whole-file analyzers are
done (lsp/scheduling.py), through the same present step: the per-statement analyzers'
findings, without the warnings that need every finding (core/presenting.py). None when
that cannot be honest yet: focus on new code is on and the ref's text is not known, so
findings would show that the complete set filters out.

No pygls or lsprotocol at import: the start path presents a first file's analysis with this
very step before they are imported (lsp/early_open.py).
"""

from __future__ import annotations

import logging
import operator
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codie.core.baseline import Baseline, BaselineOptions, LoadedBaseline, load_for
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis
from codie.core.findings import SORT_KEY, Finding
from codie.core.pipeline import disabled_findings
from codie.core.presenting import Presentation, make_finding, present
from codie.core.rules import Catalogue
from codie.core.suppressions import candidates
from codie.lsp.convert import Encoded, Place, moved_alike, moved_place, moved_text
from codie.lsp.new_code import changed_lines, ref_of
from codie.lsp.settings import uri_to_path

if TYPE_CHECKING:
    from codie.lsp.server import CodieServer

log = logging.getLogger(__name__)

__all__ = [
    "BaselineCache",
    "BaselineOptions",
    "LoadedBaseline",
    "baselines",
    "presentation",
    "register",
]


class BaselineCache:
    """Baselines by file path, loaded lazily."""

    def __init__(self) -> None:
        self._loaded: dict[Path, LoadedBaseline] = {}
        self.generation = 0  # counts forget()s: get() answers as before while it is unchanged

    def get(self, folder: Path | None, settings: Settings) -> LoadedBaseline | None:
        if folder is None:
            return None
        path = BaselineOptions.of(settings).path_in(folder)
        if path not in self._loaded:
            self._loaded[path] = load_for(folder, settings)
        return self._loaded[path]

    def forget(self, path: Path | None = None) -> None:
        self.generation += 1
        if path is None:
            self._loaded.clear()
        else:
            self._loaded.pop(path, None)


def baselines(ls: CodieServer) -> BaselineCache:
    return ls.services.get(BaselineCache)


class ToldDisabled(set[tuple[str, str]]):
    """(uri, analyzer) pairs the user was already told about (a service)."""


def _baseline(ls: CodieServer, analysis: DocumentAnalysis) -> tuple[str, LoadedBaseline | None, Baseline | None, str]:
    """(the uri whose folder and baseline apply, the folder's baseline as loaded, the
    baseline for this file or None, the file's path relative to it)."""
    settings = analysis.ctx.settings
    base_uri = analysis.doc.uri
    # notebook cells and other derived documents name the file they belong to
    owner: Any = getattr(analysis, "owner_uri", None)
    if isinstance(owner, str):
        base_uri = owner
    folder = analysis.ctx.root or ls.settings.folder_of(base_uri)
    loaded = baselines(ls).get(folder, settings)
    baseline = loaded.baseline if loaded else None
    rel = ""
    path = uri_to_path(base_uri)
    if loaded is not None and baseline is not None and path is not None:  # (none: no use for a path)
        rel = loaded.rel_path(path) or ""
        if not rel:
            baseline = None
    return base_uri, loaded, baseline, rel


def presentation(ls: CodieServer, analysis: DocumentAnalysis, *, partial: bool = False) -> Presentation | None:
    settings = analysis.ctx.settings
    doc = analysis.doc
    base_uri, loaded, baseline, rel = _baseline(ls, analysis)
    found = analysis.statement_findings() if partial else analysis.findings()
    for transform in ls.hooks.finding_transforms:  # other features' say (e.g. the model verdict)
        found = transform(ls, analysis, found)
    # focus on new code: only findings on lines changed since a git ref
    changed = changed_lines(ls, doc, uri_to_path(doc.uri), settings)
    if partial and changed is None and ref_of(settings) is not None:
        return None  # the new-code filter is not known yet (see the module docstring)
    as_hints = BaselineOptions.of(settings).show == "hint"
    result = present(doc, found, settings, ls.catalogue, baseline, rel, as_hints, changed, complete=not partial)
    if loaded is not None and loaded.error:
        result.visible.insert(0, baseline_problem(ls.catalogue, loaded.error))
    result.visible[:0] = disabled_warnings(ls, analysis, base_uri)
    return result


class _Row:
    """One of the engine's findings as a publish presented it."""

    __slots__ = ("encoded", "finding", "line_at", "place", "reach", "text")

    def __init__(
        self,
        finding: Finding,
        encoded: Encoded | None,
        text: str | None,
        place: Place | None,
        line_at: int,
        reach: int,
    ) -> None:
        self.finding = finding  # the engine's (kept: the id of its data is the key)
        self.encoded = encoded  # its diagnostic as first encoded (None: not shown)
        self.text = text  # and its JSON text at `place`, as published
        self.place = place
        # the text from the start of this offset's line on decides its positions and its
        # rescoring (all its same-file offsets are after it): moved, it moves with them
        self.line_at = line_at
        self.reach = reach  # the text before this offset decides everything about it


class _Published:
    """A document's publish made by published(): its rows by the id of the engine's
    finding's data dict (the engine's moved copies of a finding share it), and the
    publish before it (its own `before` dropped: two publishes are kept)."""

    __slots__ = ("before", "context", "doc", "found", "lines", "rows", "serial", "size", "unbased")

    def __init__(
        self,
        doc: Document,
        context: tuple[object, ...],
        found: list[Finding],
        rows: dict[int, _Row],
        before: _Published | None,
        unbased: tuple[object, ...] | None = None,
    ) -> None:
        self.doc = doc
        self.serial, self.size, self.lines = doc.serial, len(doc.source), doc.lines.count
        self.context = context
        self.found = found  # the engine's findings, in the order of `rows`
        self.rows = rows
        self.before = before
        if before is not None:
            before.before = None
        self.unbased = unbased  # what no baseline was found for (published())


class _Since:
    """A past publish of the document, seen from its text now."""

    __slots__ = ("_by_key", "delta", "doc", "lines", "past", "prefix", "rows", "tail")

    def __init__(self, past: _Published, doc: Document) -> None:
        self.doc = doc
        self.past = past
        self.rows = past.rows
        self.prefix, self.tail, self.delta, self.lines = 0, sys.maxsize, 0, 0
        kept = doc.unchanged_since(past.serial)
        moved = doc.moved_end(past.serial, past.size)
        if kept is not None and moved is not None:
            self.prefix = kept[0]  # the text before this offset is as it was then
            self.tail, self.delta = moved  # a line that started at or after tail then: delta bytes on
            self.lines = doc.lines.count - past.lines
        self._by_key: dict[tuple[int, int, str, str], _Row | None] | None = None

    def equal(self, f: Finding) -> _Row | None:
        """The row of a finding equal to f (an analyzer made it again), at its place or moved."""
        if max(f.start, f.end) + 3 > self.prefix and f.start - self.delta < self.tail:
            return None  # (neither can be: its text reaches the edit, and it is not below it)
        by_key = self._by_key
        if by_key is None:  # (made in C: one is needed on most publishes)
            keys = list(map(SORT_KEY, self.past.found))
            by_key = self._by_key = dict(zip(keys, self.rows.values(), strict=True))
            if len(by_key) != len(keys):  # two alike: neither is known to be f's
                for key, n in Counter(keys).items():
                    if n > 1:
                        by_key[key] = None
        row = by_key.get(SORT_KEY(f))
        if row is not None and row.reach <= self.prefix and f == row.finding and f.data == row.finding.data:
            return _Row(f, row.encoded, row.text, row.place, row.line_at, row.reach)
        if self.tail == sys.maxsize:
            return None
        row = by_key.get((f.start - self.delta, f.end - self.delta, f.rule_id, f.message))
        return self.moved(f, row) if row is not None else None

    def moved(self, f: Finding, row: _Row) -> _Row | None:
        """f's row when f is row's finding moved with the text's end (none of its text changed)."""
        delta = self.delta
        if row.line_at < self.tail or not _moved(f, row.finding, delta):
            return None
        text, place = row.text, row.place
        if self.lines and row.encoded is not None and place is not None:  # (no line added or removed: as it was)
            place = moved_place(place, self.lines)
            text = moved_text(self.doc, row.encoded, place)
        return _Row(f, row.encoded, text, place, row.line_at + delta, row.reach + delta)


class PublishedCache(dict[str, _Published]):
    """uri -> its last publish made by published() (a service)."""


def published(ls: CodieServer, analysis: DocumentAnalysis) -> list[str] | None:
    """The complete analysis's diagnostics as a publish sends them (JSON texts): what
    presentation() shows, encoded (DiagnosticCache), the work of the last publishes reused.

    A keystroke leaves most findings as they were (above the edit) or moves them with
    their lines (below it); presenting every one again (rescoring, the present step,
    encoding) was ~2.4 ms of CPU per publish on the 6,862-line file. Here a finding found
    at the last publish (the same object, or the engine's moved copy: the same data dict)
    or at one of the last two (an equal finding: a whole-file analyzer made it again) gives
    the same diagnostic, when no edit since reached its text (before its reach), or on
    other lines, when it moved with the text's unchanged end (every offset moved alike);
    only the rest goes through the transforms, present() and the encoder.

    That reuse holds while every per-finding answer depends only on the finding and the
    text around it: the same settings, catalogue, encoding and transform stamps
    (hookspecs.TransformStamp), and no suppression directive, baseline, new-code filter or
    warning above the findings (their answers depend on other lines and other findings).
    None otherwise: the server presents in full."""
    doc = analysis.doc
    memo = ls.services.get(PublishedCache)
    transforms, stamps = ls.hooks.finding_transforms, ls.hooks.transform_stamps
    settings = analysis.ctx.settings
    # (each of these: presentation() would look at other lines or other findings)
    if len(stamps) != len(transforms) or ref_of(settings) is not None or candidates(doc) or _disabled(analysis):
        memo.pop(doc.uri, None)
        return None
    last = memo.get(doc.uri)
    # the folder's baseline (none, or none for this file) is as it was while the settings,
    # the folder and the baselines loaded are (a Path per publish otherwise)
    folder = analysis.ctx.root
    unbased = (settings, folder, baselines(ls).generation) if folder is not None else None
    if unbased is None or last is None or last.doc is not doc or last.unbased != unbased:
        _, loaded, baseline, _ = _baseline(ls, analysis)
        if baseline is not None or (loaded is not None and loaded.error):
            memo.pop(doc.uri, None)
            return None
    encoding = ls.encoding
    context = (settings, ls.catalogue, encoding, [stamp(ls, analysis) for stamp in stamps])
    pasts = []
    if last is not None and last.doc is doc and last.context == context:
        pasts.append(_Since(last, doc))
        before = last.before
        if before is not None and before.doc is doc and before.context == context:
            pasts.append(_Since(before, doc))
    else:
        last = None
    if pasts:
        since = pasts[0]
        rows, prefix, tail, moved = since.rows, since.prefix, since.tail, since.moved
    else:
        rows, prefix, tail, moved = {}, 0, sys.maxsize, None
    now: dict[int, _Row | None] = {}  # (None: a finding to present, below)
    misses: list[Finding] = []
    found = analysis.findings()
    for f in found:
        key = id(f.data)
        if key in now:  # two findings share a data dict: nothing to know them apart by
            memo.pop(doc.uri, None)
            return None
        row = rows.get(key)
        if row is not None:
            # the same finding (the engine kept it), its text untouched: as it was
            if row.finding is f and row.reach <= prefix:
                now[key] = row
                continue
            # the engine's copy, moved with the text's unchanged end: on other lines
            if moved is not None and row.line_at >= tail and (row := moved(f, row)) is not None:
                now[key] = row
                continue
        for past in pasts:
            if (row := past.equal(f)) is not None:
                now[key] = row
                break
        else:
            now[key] = None
            misses.append(f)
    if misses and not _present_misses(ls, analysis, misses, encoding, now):
        memo.pop(doc.uri, None)
        return None
    memo[doc.uri] = _Published(doc, context, found, now, last, unbased)  # type: ignore[arg-type]  # (every row set)
    return [row.text for row in now.values() if row is not None and row.text is not None]


def _present_misses(
    ls: CodieServer, analysis: DocumentAnalysis, misses: list[Finding], encoding: str, rows: dict[int, _Row | None]
) -> bool:
    """Present `misses` (in the engine's order) as presentation() does, and set their rows.
    False when a transform or the present step changed a finding's place or rule (nothing
    to match its answer to its finding by)."""
    doc, settings = analysis.doc, analysis.ctx.settings
    found = misses
    for transform in ls.hooks.finding_transforms:
        found = transform(ls, analysis, found)
    # no directives, baseline or new-code filter here (published()): only per-finding filters
    shown = present(doc, found, settings, ls.catalogue).visible
    encoded = ls.diagnostic_cache.encode_records(doc, shown, encoding, settings.severity_of)
    # what is shown is a subsequence of the misses, in their order, each at its place
    keys = [SORT_KEY(f) for f in misses]
    if len(set(keys)) != len(keys):
        return False
    at = 0
    for g, record in zip(shown, encoded, strict=True):
        key = SORT_KEY(g)
        while at < len(keys) and keys[at] != key:
            f = misses[at]
            rows[id(f.data)] = _Row(f, None, None, None, *_extent(doc, f))
            at += 1
        if at == len(keys):
            return False
        f = misses[at]
        rows[id(f.data)] = _Row(f, record, record.entry[1], record.place, *_extent(doc, f))
        at += 1
    for f in misses[at:]:
        rows[id(f.data)] = _Row(f, None, None, None, *_extent(doc, f))
    return True


def _extent(doc: Document, f: Finding) -> tuple[int, int]:
    """(line_at, reach) of f's row: where the line of its first same-file offset starts,
    and the offset before which the text decides its diagnostic and its rescoring (its
    whole first line with the break, a position inside a break looks up to 2 bytes on, a
    line ending in \r or the last line can change without a byte before its end doing so)."""
    lines, size = doc.lines, len(doc.source)
    first, reach = f.start, max(f.start, f.end)
    for loc in f.related:
        if loc.uri is None:
            first = min(first, loc.start, loc.end)
            reach = max(reach, loc.start, loc.end)
    row = lines.line_of(f.start)
    end = lines.start(row + 1) if row + 1 < lines.count else size
    reach = max(reach + 3, end + 1 + (end == size))
    return lines.start(lines.line_of(first)), reach


# what a diagnostic and its rescoring say of a finding besides its offsets and data
_SAID = operator.attrgetter(
    "rule_id", "message", "severity", "category", "evidence", "evidence_notes", "confidence", "confidence_parts", "cwe"
)


def _moved(f: Finding, g: Finding, delta: int) -> bool:
    """f is g moved by `delta` bytes: every same-file offset moved alike, everything else
    the same (its data too: the same dict, or an equal one)."""
    if _SAID(f) != _SAID(g) or not moved_alike(f, g, delta):
        return False
    return f.data is g.data or f.data == g.data


def _disabled(analysis: DocumentAnalysis) -> bool:
    """Analyzers recovery turned off (disabled_warnings): warnings above the findings."""
    notebook: Any = getattr(analysis, "notebook", None)
    owner = notebook.analysis if notebook is not None else analysis
    return bool(owner.disabled)


def disabled_warnings(ls: CodieServer, analysis: DocumentAnalysis, uri: str) -> list[Finding]:
    """CFG010 at the top of the file for each analyzer crash recovery turned off, and a
    window/showMessage the first time."""
    notebook: Any = getattr(analysis, "notebook", None)  # a cell: its notebook's analysis
    owner = notebook.analysis if notebook is not None else analysis
    if not owner.disabled:
        return []
    from lsprotocol import types  # (here: the start path presents before it is imported)

    told = ls.services.get(ToldDisabled)
    out = disabled_findings(ls.catalogue, owner.disabled)
    for name, f in zip(sorted(owner.disabled), out, strict=True):
        if (uri, name) not in told:
            told.add((uri, name))
            ls.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Warning, message=f"Codie: {f.message} ({uri})")
            )
    return out


def baseline_problem(catalogue: Catalogue, error: str) -> Any:
    return make_finding(catalogue, "CFG011", 0, 0, f"Baseline not used: {error}")


def register(server: CodieServer) -> None:
    """The server asks this module what to show (it never imports it: no cycle)."""
    server.presenter = presentation
    server.publisher = published
    server.hooks.close.connect(_forget_published)


def _forget_published(ls: CodieServer, uri: str) -> None:
    ls.services.get(PublishedCache).pop(uri, None)
