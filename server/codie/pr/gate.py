"""Focus a headless run on what a change touches."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from codie.pr.diff import changed_lines, repo_root
from codie.report.model import Located, Run


def on_changed_lines(located: Located, lines: set[int]) -> bool:
    return any(n in lines for n in range(located.start_line, max(located.start_line, located.end_line) + 1))


def only_changes(run: Run, changed: dict[str, set[int]], git_root: Path) -> Run:
    """The run with only the findings on lines the change adds or modifies."""
    root = Path(run.root).resolve()
    kept = []
    for located in run.results:
        try:
            rel = (root / located.path).resolve().relative_to(git_root.resolve()).as_posix()
        except ValueError:
            continue
        if on_changed_lines(located, changed.get(rel, set())):
            kept.append(located)
    return dataclasses.replace(run, results=kept)


def diff_run(run: Run, base: str, head: str | None = None) -> Run:
    git_root = repo_root(Path(run.root))
    return only_changes(run, changed_lines(git_root, base, head), git_root)
