"""Whole-workspace analysis, pure (no LSP): which files, and each file's results.

`workspace_files` walks a folder and never reads what is ignored: directories excluded
by `exclude` or by a `.gitignore` (at any depth) are pruned before they are entered, and
ignored files are never opened. `analyze_batch` runs in a worker process and returns
plain data (diagnostic dicts in the client's position encoding), so the server keeps only
small results in memory, never documents or trees.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pathspec import GitIgnoreSpec

from codie.core.baseline import Baseline, BaselineError
from codie.core.config import Settings
from codie.core.document import Document, language_for
from codie.core.findings import Finding, Severity
from codie.core.presenting import present

# Notebooks are left to notebook sync: their positions only make sense per open cell.
WORKSPACE_LANGUAGES = {"python"}
SEVERITY = {Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFO: 3, Severity.HINT: 4}


def workspace_files(root: Path, settings: Settings) -> Iterator[Path]:
    """Python files under root that are neither excluded nor git-ignored."""
    specs: list[tuple[str, GitIgnoreSpec]] = []  # (folder relative to root, its .gitignore)
    for folder, dirs, files in os.walk(root):
        rel_folder = os.path.relpath(folder, root).replace(os.sep, "/")
        rel_folder = "" if rel_folder == "." else rel_folder
        if ".gitignore" in files:
            spec = _gitignore(Path(folder) / ".gitignore")
            if spec is not None:
                specs.append((rel_folder, spec))
        active = [(base, spec) for base, spec in specs if _inside(rel_folder, base)]
        keep = []
        for d in sorted(dirs):
            rel = f"{rel_folder}/{d}" if rel_folder else d
            if d.startswith(".") or settings.is_excluded(f"{rel}/x"):
                continue
            if _ignored(active, rel, directory=True):
                continue
            keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            if language_for(name) not in WORKSPACE_LANGUAGES:
                continue
            rel = f"{rel_folder}/{name}" if rel_folder else name
            if settings.is_excluded(rel) or _ignored(active, rel, directory=False):
                continue
            yield Path(folder) / name


def _inside(rel: str, base: str) -> bool:
    return not base or rel == base or rel.startswith(base + "/")


def _gitignore(path: Path) -> GitIgnoreSpec | None:
    try:
        return GitIgnoreSpec.from_lines(path.read_text(encoding="utf-8", errors="replace")
                                        .splitlines())
    except (OSError, ValueError):
        return None


def _ignored(specs: Sequence[tuple[str, GitIgnoreSpec]], rel: str, directory: bool) -> bool:
    for base, spec in specs:
        sub = rel[len(base) + 1:] if base else rel
        if spec.match_file(sub + "/" if directory else sub):
            return True
    return False


@dataclass
class FileResult:
    """One file's diagnostics as an LSP JSON array, with a result id that changes with them.

    Kept as one string, not as dicts: a string is a single object the garbage collector
    never traverses, so 10,000 files of results cost the editor no collection pauses.
    """

    path: str
    result_id: str
    diagnostics_json: str = "[]"
    count: int = 0
    error: str | None = None
    disabled: dict[str, str] | None = None  # analyzers this worker turned off, and why

    @property
    def diagnostics(self) -> list[dict[str, Any]]:
        return json.loads(self.diagnostics_json)  # type: ignore[no-any-return]


def _range(doc: Document, f: Finding, encoding: str) -> dict[str, Any]:
    sl, sc = doc.position_at(f.start, encoding)
    el, ec = doc.position_at(f.end, encoding)
    return {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}}


def _as_dict(doc: Document, f: Finding, settings: Settings, encoding: str) -> dict[str, Any]:
    return {
        "range": _range(doc, f, encoding),
        "message": f"{f.message} ({f.confidence:.0%} confidence)",
        "severity": SEVERITY[settings.severity_of(f)],
        "code": f.rule_id,
        "source": "codie",
        "data": {"ruleId": f.rule_id, "confidence": f.confidence, "category": f.category.value},
    }


_baselines: dict[tuple[str, int], Baseline | None] = {}


def _baseline(path: str | None) -> Baseline | None:
    """The baseline at `path`, cached in this worker for as long as the file is unchanged."""
    if path is None:
        return None
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        return None
    if (path, stamp) not in _baselines:
        try:
            _baselines[(path, stamp)] = Baseline.load(Path(path))
        except BaselineError:
            _baselines[(path, stamp)] = None
    return _baselines[(path, stamp)]


# Crash recovery for the whole scan, per worker process: an analyzer that raises (also
# MemoryError, under the worker's memory cap) or takes longer than this on one file is
# skipped for the rest of the scan in this worker, and the server says so once.
FILE_TIME_LIMIT = 5.0
_disabled: dict[str, str] = {}


def analyze_path(
    path: str, root: str, settings: Settings, encoding: str, baseline_path: str | None = None
) -> FileResult:
    """Analyse one file as `codie check` would and present it as the editor would."""
    from codie.analyzers import registered
    from codie.core.analyzer import Context
    from codie.core.engine import DocumentAnalysis
    from codie.core.project import read_document
    from codie.core.rules import catalogue

    cat = catalogue()
    try:
        doc = read_document(Path(path))
    except (OSError, ValueError) as exc:
        return FileResult(path, "error", "[]", 0, f"{path}: {exc}")
    analyzers = [a for a in registered() if a.name not in _disabled]
    analysis = DocumentAnalysis(Context(doc, cat, settings, root=Path(root)), analyzers,
                                time_limit=FILE_TIME_LIMIT)
    findings = analysis.run()
    for name, reason in analysis.disabled.items():
        _disabled.setdefault(name, f"{reason} on {path}")
    baseline = _baseline(baseline_path)
    rel = _relative(path, baseline_path)
    shown = present(doc, findings, settings, cat, baseline, rel)
    diagnostics = json.dumps([_as_dict(doc, f, settings, encoding) for f in shown.visible])
    digest = hashlib.blake2b(diagnostics.encode(), digest_size=8).hexdigest()
    return FileResult(path, digest, diagnostics, len(shown.visible), disabled=dict(_disabled))


def _relative(path: str, baseline_path: str | None) -> str:
    if baseline_path is None:
        return ""
    try:
        return Path(path).resolve().relative_to(Path(baseline_path).resolve().parent).as_posix()
    except ValueError:
        return ""


def analyze_batch(
    paths: Sequence[str], root: str, settings: Settings, encoding: str,
    baseline_path: str | None = None,
) -> list[FileResult]:
    return [analyze_path(p, root, settings, encoding, baseline_path) for p in paths]


def lower_priority(memory_mb: int = 0) -> None:
    """Worker initializer: background analysis yields the CPU to the editor's own work,
    and (memory_mb > 0) cannot take more than that much address space: an analyzer that
    tries gets a MemoryError, which disables it for the scan instead of the machine."""
    with contextlib.suppress(OSError):
        os.nice(10)
    if memory_mb > 0:
        import resource

        with contextlib.suppress(ValueError, OSError):
            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def is_included(path: Path, root: Path, settings: Settings) -> bool:
    """workspace_files' verdict for one path, reading only the .gitignore files above it."""
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return False
    parts = rel.split("/")
    if language_for(parts[-1]) not in WORKSPACE_LANGUAGES or settings.is_excluded(rel):
        return False
    specs: list[tuple[str, GitIgnoreSpec]] = []
    for depth in range(len(parts)):
        base = "/".join(parts[:depth])
        if depth and (parts[depth - 1].startswith(".") or settings.is_excluded(f"{base}/x")
                      or _ignored(specs, base, directory=True)):
            return False
        spec = _gitignore(root.joinpath(*parts[:depth], ".gitignore"))
        if spec is not None:
            specs.append((base, spec))
    return not _ignored(specs, rel, directory=False)


def analyze_included(
    paths: Sequence[str], root: str, settings: Settings, encoding: str,
    baseline_path: str | None = None,
) -> list[FileResult | str]:
    """analyze_batch for files reported changed: an ignored path comes back as its name."""
    return [analyze_path(p, root, settings, encoding, baseline_path)
            if is_included(Path(p), Path(root), settings) else p for p in paths]
