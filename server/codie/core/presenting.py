"""The present step: from a document's complete findings to what people see. One function
for every door (editor, `codie check`, workspace scan, pull request).

It runs after analysis (never inside an incremental analyzer), because two of its
answers need every unsuppressed finding of the document: which directives suppress
nothing, and which findings a baseline accepts.

An editor may show part of a document's findings first (`complete=False`: the
per-statement analyzers' findings, before the whole-file passes are done). Every filter
applies per finding, so none of them shows a finding there that the complete set drops:
a directive suppresses the same findings; the baseline accepts a key's first N findings
in file order, and a finding's rank among a subset is at most its rank in the whole set,
so a finding new in the subset is new in the whole; the new-code and confidence filters
look at the finding alone. Only SUP003 (a directive that suppresses nothing) needs the
complete set: it is left out of a partial presentation.

    findings --(settings.shown: select/ignore, min-confidence)--> (directives) --> suppressed
             --> (baseline) --> baselined --> (new-code: changed lines only) --> visible
             + SUP001-SUP003 warnings about directives; severities from the settings last
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from codie.core.baseline import Baseline
from codie.core.confidence import blend
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.findings import SORT_KEY, Finding, Fix, Severity, TextEdit
from codie.core.rules import Catalogue
from codie.core.suppressions import Directive, SuppressionIndex, canonical, code_names, index

UNUSED_MODES = ("codie", "all", "off")


@dataclass(frozen=True)
class SuppressionOptions:
    """[tool.codie.suppressions]: warn-unused = "codie" | "all" | "off", warn-blanket."""

    warn_unused: str = "codie"
    warn_blanket: bool = False

    @classmethod
    def of(cls, settings: Settings) -> SuppressionOptions:
        raw = settings.section("suppressions")
        unused = _get(raw, "warn-unused", "warnUnused", "warn_unused")
        blanket = _get(raw, "warn-blanket", "warnBlanket", "warn_blanket")
        return cls(
            warn_unused=unused if isinstance(unused, str) and unused in UNUSED_MODES else "codie",
            warn_blanket=blanket if isinstance(blanket, bool) else False,
        )


def _get(raw: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if name in raw:
            return raw[name]
    return None


@dataclass
class Presentation:
    visible: list[Finding] = field(default_factory=list)
    suppressed: list[tuple[Finding, str]] = field(default_factory=list)  # (finding, directive)
    baselined: list[Finding] = field(default_factory=list)
    directives: SuppressionIndex = field(default_factory=SuppressionIndex)
    unchanged: int = 0  # findings dropped by the new-code filter (on unchanged lines)


def make_finding(
    catalogue: Catalogue,
    rule_id: str,
    start: int,
    end: int,
    message: str,
    fix: Fix | None = None,
    data: dict[str, Any] | None = None,
) -> Finding:
    rule = catalogue[rule_id]
    confidence, parts = blend(rule.confidence, 0.5)
    return Finding(
        rule_id,
        message,
        start,
        end,
        rule.severity,
        rule.category,
        0.5,
        (),
        confidence,
        parts,
        rule.cwe,
        fix,
        (),
        data or {},
    )


def present(
    doc: Document,
    findings: Sequence[Finding],
    settings: Settings,
    catalogue: Catalogue,
    baseline: Baseline | None = None,
    rel_path: str = "",
    baseline_as_hints: bool = False,
    changed: AbstractSet[int] | None = None,
    complete: bool = True,
) -> Presentation:
    """Sort the document's findings into visible, suppressed and baselined, and add the
    warnings about suppression directives.

    `complete=False`: `findings` are part of the document's findings (see the module
    docstring); the warnings that need all of them (SUP003) are left out.

    `changed`: the 0-based lines of the document that changed since a git ref ("focus on
    new code"); findings elsewhere are dropped (CFG findings are always kept). Every
    finding comes out with the severity the settings give its rule."""
    directives = index(doc, catalogue)
    used: dict[int, set[str]] = {}  # id(directive) -> codes (or "*") that suppressed something
    out = Presentation(directives=directives)
    candidates: list[Finding] = []
    for f in findings:
        d = directives.match(doc, f, catalogue)
        if d is not None:
            used.setdefault(id(d), set()).update([c for c in d.codes if code_names(c, f.rule_id, catalogue)] or ["*"])
            if settings.shown(f):
                out.suppressed.append((f, d.text))
        elif settings.shown(f):
            candidates.append(f)
    warnings = directive_warnings(doc, directives, used, settings, catalogue, unused=complete)
    candidates.extend(w for w in warnings if settings.shown(w))
    if baseline is not None:
        new, old = baseline.split_findings(rel_path, candidates, lambda f: first_line_text(doc, f))
        out.visible = new
        if baseline_as_hints:  # shown, as hints marked "baselined" (not in .baselined)
            out.visible += [
                dataclasses.replace(f, severity=Severity.HINT, data={**f.data, "baselined": True}) for f in old
            ]
        else:
            out.baselined = old
    else:
        out.visible = candidates
    if changed is not None:
        before = len(out.visible)
        out.visible = [f for f in out.visible if on_changed_lines(doc, f, changed)]
        out.unchanged = before - len(out.visible)
        out.suppressed = [(f, t) for f, t in out.suppressed if on_changed_lines(doc, f, changed)]
        out.baselined = [f for f in out.baselined if on_changed_lines(doc, f, changed)]
    out.visible = [_severe(f, settings) for f in out.visible]
    out.suppressed = [(_severe(f, settings), t) for f, t in out.suppressed]
    out.baselined = [_severe(f, settings) for f in out.baselined]
    out.visible.sort(key=SORT_KEY)
    return out


def _severe(f: Finding, settings: Settings) -> Finding:
    if f.data.get("baselined"):
        return f  # a baselined finding shown as a hint stays a hint
    severity = settings.severity_of(f)
    return f if severity == f.severity else dataclasses.replace(f, severity=severity)


def on_changed_lines(doc: Document, f: Finding, changed: AbstractSet[int]) -> bool:
    """The one new-code filter: does the finding touch a changed (0-based) line?"""
    if f.rule_id.startswith("CFG"):
        return True  # a broken configuration is news on any line
    first = doc.lines.line_of(f.start)
    last = doc.lines.line_of(max(f.start, f.end - 1))
    return any(line in changed for line in range(first, last + 1))


def first_line_text(doc: Document, finding: Finding) -> str:
    return doc.line_text(doc.lines.line_of(finding.start))


def directive_warnings(
    doc: Document,
    directives: SuppressionIndex,
    used: dict[int, set[str]],
    settings: Settings,
    catalogue: Catalogue,
    unused: bool = True,
) -> list[Finding]:
    """SUP001 malformed, SUP002 blanket (when configured), SUP003 suppresses nothing (only
    with `unused`: `used` must then come from all of the document's findings)."""
    options = SuppressionOptions.of(settings)
    out: list[Finding] = []
    for d in directives.directives:
        if d.problem:
            fix = None
            if d.replacement is not None:
                fix = Fix(f"Write `{d.replacement}`", (TextEdit(d.start, d.end, d.replacement),), safe=True)
            out.append(make_finding(catalogue, "SUP001", d.start, d.end, f"Malformed suppression: {d.problem}", fix))
            continue
        if d.blanket and options.warn_blanket:
            out.append(
                make_finding(
                    catalogue, "SUP002", d.start, d.end, f"Blanket `{d.text}` hides every rule on its {d.scope}"
                )
            )
        if unused:
            out.extend(_unused(doc, d, used.get(id(d), set()), options, catalogue))
    return out


def _unused(
    doc: Document, d: Directive, used: set[str], options: SuppressionOptions, catalogue: Catalogue
) -> list[Finding]:
    if options.warn_unused == "off" or (d.kind != "codie" and options.warn_unused != "all"):
        return []
    if d.blanket:
        if used or d.kind != "codie":  # a bare noqa/nosec may serve another tool
            return []
        return [_unused_finding(doc, d, catalogue, "This suppression hides nothing", ())]
    # codes of other tools (in noqa/nosec) are not ours to judge
    ours = [c for c in d.codes if catalogue.resolve(c) is not None]
    idle = [c for c in ours if c not in used]
    if not idle:
        return []
    keep = tuple(c for c in d.codes if c not in idle)
    names = ", ".join(f"`{c}`" for c in idle)
    return [_unused_finding(doc, d, catalogue, f"{names} in this suppression hides nothing", keep)]


def _unused_finding(doc: Document, d: Directive, catalogue: Catalogue, message: str, keep: tuple[str, ...]) -> Finding:
    if keep:
        edit = TextEdit(d.start, d.end, canonical(d.kind, keep))
        title = f"Remove the unused code{'s' if len(d.codes) - len(keep) > 1 else ''}"
    else:
        edit = _removal(doc, d)
        title = "Remove the unused suppression"
    # Safe for fix-all, but never applied on save: the user may be about to write the code
    # the directive is for.
    fix = Fix(title, (edit,), safe=True)
    return make_finding(catalogue, "SUP003", d.start, d.end, message, fix, data={"fixOnSave": False})


def _removal(doc: Document, d: Directive) -> TextEdit:
    """Delete the directive; the whole comment (or line) when nothing else is in it."""
    src = doc.source
    rest = (src[d.comment_start : d.start] + src[d.end : d.comment_end]).strip()
    if rest and rest != b"#":
        end = d.end
        while end < d.comment_end and src[end : end + 1] in b" \t":
            end += 1
        return TextEdit(d.start, end, "")
    if d.own_line:
        line = doc.lines.line_of(d.comment_start)
        nxt = doc.lines.start(line + 1) if line + 1 < doc.lines.count else len(src)
        return TextEdit(doc.lines.start(line), nxt, "")
    start = d.comment_start
    while start > 0 and src[start - 1 : start] in b" \t":
        start -= 1
    return TextEdit(start, d.comment_end, "")
