"""What a headless run produced, in a form every report format can read (and pickle)."""

from __future__ import annotations

from dataclasses import dataclass, field

from codie.core.document import Document
from codie.core.findings import Finding, Severity
from codie.core.lines import UTF32


@dataclass(frozen=True, slots=True)
class Place:
    """A related location of a finding (a taint path step), 1-based like Located."""

    start_line: int
    start_col: int
    end_line: int
    end_col: int
    message: str
    snippet: str = ""


@dataclass(frozen=True, slots=True)
class Located:
    """A finding with 1-based line/column (columns count characters) and its source line."""

    path: str
    finding: Finding
    start_line: int
    start_col: int
    end_line: int
    end_col: int
    snippet: str
    suppressed: str | None = None  # the directive that suppressed it, if any
    related: tuple[Place, ...] = ()  # same-file related locations, resolved to positions

    @property
    def severity(self) -> Severity:
        return self.finding.severity


def locate(doc: Document, path: str, finding: Finding, suppressed: str | None = None) -> Located:
    sl, sc = doc.position_at(finding.start, UTF32)
    el, ec = doc.position_at(finding.end, UTF32)
    related = []
    for loc in finding.related:
        if loc.uri is not None:
            continue
        rsl, rsc = doc.position_at(loc.start, UTF32)
        rel, rec = doc.position_at(loc.end, UTF32)
        related.append(Place(rsl + 1, rsc + 1, rel + 1, rec + 1, loc.message, doc.line_text(rsl)))
    return Located(path, finding, sl + 1, sc + 1, el + 1, ec + 1, doc.line_text(sl), suppressed, tuple(related))


@dataclass
class Run:
    """One `codie check`: the files looked at and what was found, in a stable order."""

    root: str
    files: list[str] = field(default_factory=list)
    results: list[Located] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    tool_version: str = ""
    unchanged: int = 0  # findings not reported because their lines did not change (--diff)

    @property
    def shown(self) -> list[Located]:
        return [r for r in self.results if r.suppressed is None]
