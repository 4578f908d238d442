"""The headless check: the same engine over files, in parallel on all cores."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from codie import __version__
from codie.analyzers import registered
from codie.core.config import Settings
from codie.core.findings import Finding
from codie.core.notebook import analyze_notebook
from codie.core.presenting import present
from codie.core.project import ANALYSED_LANGUAGES, analyze_file, iter_files, relative_path
from codie.core.rules import catalogue
from codie.report.model import Located, Run, locate

PARALLEL_THRESHOLD = 16  # below this many files a process pool costs more than it saves


def check_one(path: str, root: str, settings: Settings) -> tuple[str, list[Located], str | None]:
    rel = relative_path(Path(path), Path(root))
    if path.endswith(".ipynb"):
        return rel, *_check_notebook(path, rel, root, settings)
    try:
        cat = catalogue()
        doc, findings = analyze_file(Path(path), registered(), cat, settings, Path(root))
    except (OSError, ValueError) as exc:
        return rel, [], f"{rel}: {exc}"
    shown = present(doc, findings, settings, cat)  # suppressions and their warnings
    located = [locate(doc, rel, _severe(f, settings)) for f in shown.visible]
    located += [locate(doc, rel, _severe(f, settings), text) for f, text in shown.suppressed]
    return rel, located, None


def _check_notebook(
    path: str, rel: str, root: str, settings: Settings
) -> tuple[list[Located], str | None]:
    """Cells analysed as one module; each finding reported in its cell ("[cell N]")."""
    cat = catalogue()
    try:
        cells = analyze_notebook(Path(path), registered(), cat, settings, Path(root))
    except (OSError, ValueError) as exc:
        return [], f"{rel}: {exc}"
    located: list[Located] = []
    for n, (doc, findings) in enumerate(cells, 1):
        shown = present(doc, findings, settings, cat)
        for f, text in [*((f, None) for f in shown.visible), *shown.suppressed]:
            f = dataclasses.replace(f, message=f"[cell {n}] {f.message}")
            located.append(locate(doc, rel, _severe(f, settings), text))
    return located, None


def _severe(f: Finding, settings: Settings) -> Finding:
    return dataclasses.replace(f, severity=settings.severity_of(f))


def check_paths(
    paths: Sequence[Path], root: Path, settings: Settings, jobs: int | None = None
) -> Run:
    files = [str(p) for p in iter_files(paths, settings, root, ANALYSED_LANGUAGES)]
    run = Run(root=str(root), tool_version=__version__)
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1 and len(files) >= PARALLEL_THRESHOLD:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            chunk = max(1, len(files) // (jobs * 8))
            outcomes = list(
                pool.map(check_one, files, [str(root)] * len(files), [settings] * len(files),
                         chunksize=chunk)
            )
    else:
        outcomes = [check_one(f, str(root), settings) for f in files]
    for rel, located, error in outcomes:
        run.files.append(rel)
        run.results.extend(located)
        if error:
            run.errors.append(error)
    run.results.sort(key=lambda r: (r.path, r.start_line, r.start_col, r.finding.rule_id))
    return run
