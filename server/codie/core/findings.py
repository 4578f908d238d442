"""The one representation of a problem: plain, immutable dataclasses.

Offsets are UTF-8 byte offsets into the document's source. Adapters (LSP, SARIF, text)
turn them into positions at the very last moment, in the encoding they need.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    HINT = "hint"

    @property
    def rank(self) -> int:
        """Higher is more severe; used for --fail-on and sorting."""
        return {"error": 3, "warning": 2, "info": 1, "hint": 0}[self.value]

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls(value.lower())
        except ValueError:
            raise ValueError(f"unknown severity {value!r}; expected one of: error, warning, info, hint") from None


class Category(StrEnum):
    SECURITY = "security"
    QUALITY = "quality"
    STYLE = "style"
    DEPENDENCY = "dependency"
    COMPLEXITY = "complexity"
    RUNTIME = "runtime"
    SYNTAX = "syntax"
    CONFIG = "config"


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace bytes [start, end) with new_text."""

    start: int
    end: int
    new_text: str


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[TextEdit, ...]
    # Safe fixes keep behaviour and may be applied without review (fix-all, fix-on-save).
    safe: bool = False
    # Modules the fixed code needs imported. Resolved when the fix is applied (see
    # core/fixes.py), because where an import goes depends on the rest of the module.
    imports: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Location:
    """A related place, e.g. one step of a taint path. uri None means the same document."""

    start: int
    end: int
    message: str
    uri: str | None = None
    # For places in other files the adapter may not have the text: 0-based (line, utf-8 col).
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    message: str
    start: int
    end: int
    severity: Severity = Severity.WARNING
    category: Category = Category.QUALITY
    # How strongly the analyzer's own evidence supports the finding: 0.5 is neutral,
    # above raises the rule's prior, below lowers it. See core/confidence.py.
    evidence: float = 0.5
    evidence_notes: tuple[str, ...] = ()
    confidence: float = 0.0
    confidence_parts: tuple[tuple[str, float], ...] = ()
    cwe: tuple[str, ...] = ()
    fix: Fix | None = None
    related: tuple[Location, ...] = ()
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def shifted(self, at: int, delta: int) -> Finding:
        """The same finding after an edit: every offset at or after `at` moves by delta.

        Offsets before `at` (for example a fix that adds an import at the top) stay put.
        """

        # (the engine moves every finding below an edit on every keystroke, and a publish
        # reads them all: a copy and two setters for most, no closure, no generator)
        new = _COPY(self)
        start, end = self.start, self.end
        _PUT_START(new, start + delta if start >= at else start)
        _PUT_END(new, end + delta if end >= at else end)
        fix = self.fix
        if fix is not None:
            edits = tuple(
                TextEdit(
                    e.start + delta if e.start >= at else e.start, e.end + delta if e.end >= at else e.end, e.new_text
                )
                for e in fix.edits
            )
            _PUT_FIX(new, _with_edits(fix, edits))
        if self.related:
            _PUT_RELATED(
                new,
                tuple(
                    dataclasses.replace(
                        loc,
                        start=loc.start + delta if loc.start >= at else loc.start,
                        end=loc.end + delta if loc.end >= at else loc.end,
                    )
                    if loc.uri is None
                    else loc
                    for loc in self.related
                ),
            )
        return new

    def with_data(self, data: dict[str, Any]) -> Finding:
        """The same finding with other `data` (the editor does this for every shown finding
        on every publish)."""
        return self.evolve(data=data)

    def evolve(self, **changes: Any) -> Finding:
        """dataclasses.replace(self, **changes) at a third of its cost: a copy slot by slot,
        without replace's per-call field introspection and __init__ (nothing to validate).
        For the keystroke path, where findings are moved and rescored by the dozen."""
        new = _COPY(self)
        for name, value in changes.items():
            _PUT[name](new, value)
        return new

    def touches(self, start: int, end: int) -> bool:
        """True when the finding, its fix or its same-file locations touch [start, end]."""
        spans = [(self.start, self.end)]
        if self.fix is not None:
            spans.extend((e.start, e.end) for e in self.fix.edits)
        spans.extend((loc.start, loc.end) for loc in self.related if loc.uri is None)
        return any(s <= end and start <= e for s, e in spans)

    def sort_key(self) -> tuple[int, int, str, str]:
        return (self.start, self.end, self.rule_id, self.message)


# Finding.sort_key at C speed, for the sorts on every publish
SORT_KEY: Callable[[Finding], tuple[int, int, str, str]] = operator.attrgetter("start", "end", "rule_id", "message")


# Finding.evolve's means: every field's value at once, and a setter per slot (through the
# slot's descriptor, which skips the frozen dataclass's __setattr__ as its __init__ does)
_NAMES = tuple(f.name for f in dataclasses.fields(Finding))
_VALUES = operator.attrgetter(*_NAMES)
_PUTS: tuple[Any, ...] = tuple(getattr(Finding, name).__set__ for name in _NAMES)
_PUT = dict(zip(_NAMES, _PUTS, strict=True))


def _copier() -> Callable[[Finding], Finding]:
    """A copy of a finding slot by slot, written out as one line per slot (generated from
    the fields, as dataclasses writes an __init__): the same copy as a loop over the slots'
    setters, for ~40% less CPU, on every finding the engine moves and the editor rescores
    after each keystroke (twice per finding below the edit)."""
    lines = ["def copy(self):", "    new = _new(Finding)", "    values = _values(self)"]
    lines += [f"    _put_{i}(new, values[{i}])" for i in range(len(_PUTS))]
    lines.append("    return new")
    scope: dict[str, Any] = {"_new": object.__new__, "Finding": Finding, "_values": _VALUES}
    scope.update((f"_put_{i}", put) for i, put in enumerate(_PUTS))
    exec("\n".join(lines), scope)  # (text made above from the field count alone)
    copy: Callable[[Finding], Finding] = scope["copy"]
    return copy


_COPY = _copier()
_PUT_START, _PUT_END, _PUT_FIX, _PUT_RELATED = (_PUT[name] for name in ("start", "end", "fix", "related"))
# (_with_edits names every field of Fix: one added there must be added there too)
assert tuple(f.name for f in dataclasses.fields(Fix)) == ("title", "edits", "safe", "imports")


def _with_edits(fix: Fix, edits: tuple[TextEdit, ...]) -> Fix:
    """dataclasses.replace(fix, edits=edits) without its per-call field introspection."""
    return Fix(fix.title, edits, fix.safe, fix.imports)
