"""The one interface every analyzer implements, and the context it reports through."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Protocol

from tree_sitter import Node

from codie.core.confidence import blend
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.findings import Finding, Fix, Location, Severity
from codie.core.rules import Catalogue


class Mode(StrEnum):
    """Who is asking. The editor analyses buffers on the keystroke path: an analyzer must
    never read other files or wait on anything there. A headless run (`codie check`, the
    workspace scan, a pull request) analyses files on disk and may read the project's
    other files (cross-module taint)."""

    EDITOR = "editor"
    HEADLESS = "headless"


@dataclass
class Context:
    """What an analyzer may read while analysing one document."""

    doc: Document
    catalogue: Catalogue
    settings: Settings = field(default_factory=Settings)
    # The workspace folder the document belongs to, when there is one (for cross-file
    # analyzers: imports, call graph, the project's own conventions).
    root: Path | None = None
    # Per-workspace services shared by analyzers (indexes, models), keyed by name.
    services: dict[str, Any] = field(default_factory=dict)
    # Explicit, never guessed from the document (see Mode).
    mode: Mode = Mode.EDITOR

    def report(
        self,
        rule_id: str,
        start: int | Node,
        end: int | None = None,
        message: str | None = None,
        *,
        evidence: float = 0.5,
        notes: Sequence[str] = (),
        fix: Fix | None = None,
        related: Sequence[Location] = (),
        severity: Severity | None = None,
        data: dict[str, Any] | None = None,
    ) -> Finding:
        """Build a finding whose metadata and confidence come from the catalogue."""
        if isinstance(start, Node):
            node = start
            start, end = node.start_byte, node.end_byte
        elif end is None:
            end = start
        rule = self.catalogue[rule_id]
        confidence, parts = blend(rule.confidence, evidence)
        return Finding(
            rule_id=rule_id,
            message=message or rule.title,
            start=start,
            end=end,
            severity=severity or rule.severity,
            category=rule.category,
            evidence=evidence,
            evidence_notes=tuple(notes),
            confidence=confidence,
            confidence_parts=parts,
            cwe=rule.cwe,
            fix=fix,
            related=tuple(related),
            data=data or {},
        )


@dataclass(frozen=True, slots=True)
class Unit:
    """A progress mark that a whole-document analyzer may yield between its findings.

    It says: the work of one unit (a function, or a top-level statement) spanning bytes
    [start, end) is done. The engine charges the CPU time since the previous mark to that
    unit, may pause the analyzer there (an editor's event loop runs in between), and when
    the unit went over its budget, or the analyzer set `skipped` (it gave up on the unit
    under its own counted budget, which is deterministic), replaces the analyzer's
    findings inside the unit by one ANA002: one function is degraded, never the file.
    A mark with an empty span (start == end) is a checkpoint: the analyzer may be paused
    there, and the work before it counts towards the whole file's budget.
    """

    name: str  # how a person finds it: "function `f`", "the statement `x = 1`"
    start: int
    end: int
    skipped: str = ""  # why the analyzer gave up on this unit; empty when it did not


class OverBudget(Exception):
    """Raised by an incremental analyzer for the statement it will not finish (its own
    counted budget ran out). The engine reports that statement (ANA002) and goes on with
    the others; any other exception is a crash and turns the analyzer off for the file."""


class Analyzer(Protocol):
    """A plug-in. `analyze` looks only at `nodes` when `incremental` is True.

    incremental=True promises: every finding lies inside one of the given top-level
    statements and depends only on that statement's text. The engine then re-runs the
    analyzer on changed statements only. Analyzers that need the whole file (data flow
    across functions, file-level conventions) set it to False and get every statement.
    An incremental analyzer whose findings also depend on a few facts of the file (its
    imports, its path) may define `file_context(ctx) -> Hashable` returning them: when
    that value changes, the engine analyses every statement again with that analyzer (and
    only it), so an edit to an import line updates the findings it affects elsewhere.

    deferred=True (only with incremental=False) marks whole-file work too slow for every
    keystroke: an editor runs it on a snapshot off the event loop once typing pauses; the
    headless run does it inline. `analyze` must then be thread-safe and read only `ctx`.

    Budgets: a whole-document analyzer yields a `Unit` after each function or statement
    it finished, so that it is budgeted, paused and degraded per unit; an incremental one
    raises `OverBudget` for a statement it gives up on (see core/engine.py).
    """

    name: ClassVar[str]
    languages: ClassVar[frozenset[str]]
    incremental: ClassVar[bool]
    deferred: ClassVar[bool]

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterable[Finding | Unit]: ...
