"""One pipeline, four doors: analyse (Document -> analyzers -> Findings) and present.

The editor, `codie check`, the workspace scan and the pull-request job all come through
here; only what they do with the result differs (a Diagnostic, a report line, a comment):

    file on disk --(core/files: walk, read_source)--> Document        editor buffer
                                                          \\              /
            analyse: Context(mode=EDITOR|HEADLESS, services) -> DocumentAnalysis -> Findings
                                                          |
            present (core/presenting): select/confidence, suppressions, baseline,
                                       new-code lines, severity       -> Presentation
                                                          |
            serialise (diagnostic_dict) / report.model.locate / pr comments

The core knows no analyzer: the door passes the registry (`codie.analyzers.registered()`)
and the services rules read (call graph, style model), so that every door can build them
and a rule never fires in one door only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codie.core.analyzer import Analyzer, Context, Mode
from codie.core.baseline import LoadedBaseline
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis
from codie.core.files import SourceProblem, max_file_bytes, read_source
from codie.core.findings import Finding, Severity
from codie.core.notebook import cell_findings, notebook_documents
from codie.core.presenting import Presentation, make_finding, present
from codie.core.rules import Catalogue

__all__ = [
    "FileOutcome",
    "Inputs",
    "Mode",
    "Part",
    "analyse",
    "analyse_file",
    "diagnostic_dict",
    "disabled_findings",
    "present",
    "problem_finding",
]


@dataclass
class Inputs:
    """What a door brings besides the document: the analyzers and the services they read."""

    analyzers: Sequence[Analyzer]
    catalogue: Catalogue
    settings: Settings
    root: Path | None = None
    services: dict[str, Any] = field(default_factory=dict)
    mode: Mode = Mode.HEADLESS
    # seconds one analyzer may take on one file before it is disabled (CFG010); a headless
    # check has no limit, the background scan one, the editor its own (core/engine.py)
    time_limit: float = math.inf

    def context(self, doc: Document) -> Context:
        return Context(doc, self.catalogue, self.settings, root=self.root, services=self.services, mode=self.mode)


def analyse(doc: Document, inputs: Inputs) -> DocumentAnalysis:
    """Every analyzer over the whole document, now (deferred ones inline too)."""
    analysis = DocumentAnalysis(inputs.context(doc), inputs.analyzers, time_limit=inputs.time_limit)
    analysis.run()
    return analysis


def disabled_findings(catalogue: Catalogue, disabled: Mapping[str, str]) -> list[Finding]:
    """CFG010 at the top of the file for each analyzer crash recovery turned off."""
    return [
        make_finding(catalogue, "CFG010", 0, 0, f"Analyzer `{name}` is disabled for this file: {reason}")
        for name, reason in sorted(disabled.items())
    ]


def problem_finding(catalogue: Catalogue, problem: SourceProblem) -> Finding:
    return make_finding(catalogue, problem.rule, 0, 0, problem.message)


@dataclass
class Part:
    """One document's presented findings: a file, or one cell of a notebook."""

    doc: Document
    shown: Presentation
    label: str = ""  # "[cell N] " for notebook cells


@dataclass
class FileOutcome:
    path: Path
    parts: list[Part] = field(default_factory=list)
    disabled: dict[str, str] = field(default_factory=dict)
    error: str | None = None  # the file could not be read at all (it vanished, no access)


def analyse_file(
    path: Path,
    inputs: Inputs,
    baseline: LoadedBaseline | None = None,
    baseline_as_hints: bool = False,
    changed: AbstractSet[int] | None = None,
) -> FileOutcome:
    """Read, analyse and present one file as every door does."""
    settings, catalogue = inputs.settings, inputs.catalogue
    base = baseline.baseline if baseline is not None else None
    rel = (baseline.rel_path(path) if baseline is not None else None) or ""
    if base is not None and not rel:
        base = None  # a file outside the baseline's folder: nothing is baselined

    def shown(doc: Document, findings: Sequence[Finding]) -> Presentation:
        return present(doc, findings, settings, catalogue, base, rel, baseline_as_hints, changed)

    if path.suffix.lower() == ".ipynb":
        try:
            module, cells, cmap = notebook_documents(path)
        except (OSError, ValueError) as exc:
            return FileOutcome(path, error=str(exc))
        analysis = analyse(module, inputs)
        found = analysis.findings()
        parts = [
            Part(cell, shown(cell, cell_findings(found, cmap, i)), f"[cell {i + 1}] ") for i, cell in enumerate(cells)
        ]
        return FileOutcome(path, parts, dict(analysis.disabled))
    try:
        text = read_source(path, max_file_bytes(settings))
    except OSError as exc:
        return FileOutcome(path, error=exc.strerror or str(exc))
    if isinstance(text, SourceProblem):
        doc = Document(path.resolve().as_uri(), "")
        return FileOutcome(path, [Part(doc, shown(doc, [problem_finding(catalogue, text)]))])
    doc = Document(path.resolve().as_uri(), text)
    analysis = analyse(doc, inputs)
    found = [*disabled_findings(catalogue, analysis.disabled), *analysis.findings()]
    return FileOutcome(path, [Part(doc, shown(doc, found))], dict(analysis.disabled))


# serialisation: the one Finding -> LSP diagnostic (JSON) converter --------------------------
SEVERITY_NUMBER = {Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFO: 3, Severity.HINT: 4}
UNNECESSARY_RULES = frozenset({"Q004"})  # shown faded (DiagnosticTag.Unnecessary = 1)


def _range(doc: Document, start: int, end: int, encoding: str) -> dict[str, Any]:
    sl, sc = doc.position_at(start, encoding)
    el, ec = doc.position_at(end, encoding)
    return {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}}


def diagnostic_dict(doc: Document, f: Finding, encoding: str) -> dict[str, Any]:
    """A finding as an LSP Diagnostic in JSON form, positions in the client's encoding.

    The editor (lsp/convert.py) and the workspace scan (plain JSON from a worker process)
    both use this, so a finding looks the same whichever door it came through."""
    related = []
    for loc in f.related:
        if loc.uri is None:
            where = _range(doc, loc.start, loc.end, encoding)
        else:
            point = {"line": loc.line or 0, "character": loc.column or 0}
            where = {"start": point, "end": dict(point)}
        related.append({"location": {"uri": loc.uri or doc.uri, "range": where}, "message": loc.message})
    out: dict[str, Any] = {
        "range": _range(doc, f.start, f.end, encoding),
        # the confidence leads, so a long message cut off in a list or virtual text keeps it
        "message": f"[{f.confidence:.0%}] {f.message}",
        "severity": SEVERITY_NUMBER[f.severity],
        "code": f.rule_id,
        "source": "codie",
        "data": {
            "ruleId": f.rule_id,
            "confidence": f.confidence,
            "parts": dict(f.confidence_parts),
            "category": f.category.value,
            "cwe": list(f.cwe),
            "hasFix": f.fix is not None,
            **({"fingerprint": f.data["fingerprint"]} if "fingerprint" in f.data else {}),
        },
    }
    if f.rule_id in UNNECESSARY_RULES:
        out["tags"] = [1]
    if related:
        out["relatedInformation"] = related
    return out
