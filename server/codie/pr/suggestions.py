"""GitHub suggestion blocks: a rule's fix as replacement lines one click applies.

A suggestion replaces whole lines (the commented range) with the block's content. It is
offered only when the fix is verified (llm/fixes.verify_fix: the fixed file parses, uses no
undefined name, no longer has the finding and gains no other) and every line it replaces is
one the pull request adds or modifies: a suggestion never rewrites code the author did not
touch (a fix that also adds `import ast` at the top of the module is not offered).

Verification also runs the tests related to the file, in the sandbox, when the project
has some (llm/fixes.related_tests_verdict): a fix that breaks one is not offered, and a
suggestion names the tests it ran. The pull request's code is never run outside the
sandbox: without one (no bubblewrap, no docker) the suggestion is offered as re-analysed
only, and its comment says "tests not run: no sandbox".

`Fix.safe` is not required: it marks fixes that may be applied with nobody looking
(fix-on-save); a suggestion is applied by a reviewer who reads it first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codie.analyzers import registered
from codie.core.analyzer import Analyzer
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.findings import Finding, TextEdit
from codie.core.fixes import fix_edits
from codie.core.project import read_document
from codie.core.rules import Catalogue, catalogue
from codie.llm.fixes import Verification, verify_fix
from codie.report.model import Located


@dataclass(frozen=True, slots=True)
class Suggestion:
    start_line: int  # 1-based, inclusive, in the pull request's head version of the file
    end_line: int
    lines: tuple[str, ...]  # the new lines for that range (none: the lines are deleted)
    title: str
    # what the verification did, for the comment (not part of the suggestion's identity)
    verified: str = field(default="", compare=False)
    tests: tuple[str, ...] = field(default=(), compare=False)

    @property
    def replacement(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    def block(self) -> str:
        """The Markdown fence GitHub renders as an applicable suggestion."""
        fence = "```"
        while any(fence in line for line in self.lines):  # a fence inside the code needs a longer one
            fence += "`"
        return f"{fence}suggestion\n{self.replacement}{fence}"

    def comment_range(self) -> dict[str, object]:
        """The review-comment fields that make the suggestion replace exactly its lines."""
        where: dict[str, object] = {"line": self.end_line, "side": "RIGHT"}
        if self.start_line != self.end_line:
            where.update(start_line=self.start_line, start_side="RIGHT")
        return where


@dataclass(frozen=True, slots=True)
class Outcome:
    suggestion: Suggestion | None
    reason: str  # why there is none, or what was verified


def _apply(source: bytes, edits: Sequence[TextEdit]) -> bytes:
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        source = source[: edit.start] + edit.new_text.encode("utf-8", "surrogatepass") + source[edit.end :]
    return source


def _touched_lines(doc: Document, edits: Sequence[TextEdit]) -> tuple[int, int]:
    """0-based first and last line of the original text that the edits change."""
    first = min(doc.lines.line_of(e.start) for e in edits)
    last = max(doc.lines.line_of(max(e.start, e.end - 1)) for e in edits)
    return first, last


NO_SANDBOX = "related tests NOT run"  # how llm/fixes.py says the sandbox was missing


def tests_skipped(v: Verification) -> bool:
    """The project has related tests but no sandbox could run them."""
    return NO_SANDBOX in v.reason


def describe(v: Verification) -> str:
    """What a verified fix went through, in the words of a review comment."""
    static = "the fixed file parses and no longer has this finding or any new one"
    if v.tests:
        return f"{static}; {len(v.tests)} related test(s) pass in the sandbox: " + ", ".join(f"`{t}`" for t in v.tests)
    if tests_skipped(v):
        return f"re-analysed only: {static}; tests not run: no sandbox"
    return f"{static}; no related tests"


def fixed_text(doc: Document, finding: Finding) -> tuple[str | None, str]:
    """The whole file with the finding's fix applied, or (None, why there is none)."""
    if finding.fix is None:
        return None, f"{finding.rule_id} has no automatic fix"
    edits = fix_edits(doc, finding.fix)
    if not edits:
        return None, "the fix changes nothing"
    return _apply(doc.source, edits).decode("utf-8", "surrogatepass"), ""


def suggest(
    doc: Document,
    finding: Finding,
    changed: set[int],
    analyzers: Sequence[Analyzer],
    catalogue: Catalogue,
    settings: Settings | None = None,
    root: Path | None = None,
) -> Outcome:
    """The finding's fix as a suggestion on `changed` (1-based lines of doc), or why not."""
    if finding.fix is None:
        return Outcome(None, f"{finding.rule_id} has no automatic fix")
    edits = fix_edits(doc, finding.fix)
    if not edits:
        return Outcome(None, "the fix changes nothing")
    first, last = _touched_lines(doc, edits)
    outside = [n + 1 for n in range(first, last + 1) if n + 1 not in changed]
    if outside:
        return Outcome(None, f"the fix would change line {outside[0]}, which this pull request does not touch")
    new_text = _apply(doc.source, edits).decode("utf-8", "surrogatepass")
    verification = verify_fix(doc, finding, new_text, analyzers, catalogue, settings, root)
    if not verification.ok:
        return Outcome(None, f"the fix is not verified: {verification.reason}")
    # the replaced region: whole lines first..last with their line breaks, edits moved into
    # its coordinates
    lo = doc.lines.start(first)
    hi = doc.lines.start(last + 1) if last + 1 < doc.lines.count else len(doc.source)
    local = [TextEdit(e.start - lo, e.end - lo, e.new_text) for e in edits]
    region = _apply(doc.source[lo:hi], local).decode("utf-8", "surrogatepass")
    if doc.source[lo:hi].endswith(b"\n") and region and not region.endswith("\n"):
        return Outcome(None, "the fix joins the changed lines with the next one")
    lines = tuple(region.splitlines())
    return Outcome(
        Suggestion(first + 1, last + 1, lines, finding.fix.title, describe(verification), verification.tests),
        verification.reason,
    )


def for_results(
    root: Path, results: Sequence[Located], changed: dict[str, set[int]], settings: Settings
) -> list[Outcome]:
    """An outcome per result (files under root, paths relative to it as in the diff)."""
    docs: dict[str, Document] = {}
    analyzers, cat = registered(), catalogue()
    out = []
    for r in results:
        if r.finding.fix is None:
            out.append(Outcome(None, f"{r.finding.rule_id} has no automatic fix"))
            continue
        try:
            doc = docs[r.path] if r.path in docs else docs.setdefault(r.path, read_document(root / r.path))
        except (OSError, ValueError) as exc:
            out.append(Outcome(None, f"cannot read {r.path}: {exc}"))
            continue
        out.append(suggest(doc, r.finding, changed.get(r.path, set()), analyzers, cat, settings, root))
    return out
