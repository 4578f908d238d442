"""Readers of the same findings: each output format is one module with `render(run) -> str`."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path

from codie.core.findings import Severity
from codie.report.model import Run

# format name -> module; each module exposes `render(run: Run) -> str | bytes`
FORMATS: dict[str, str] = {
    "text": "codie.report.text",
    "json": "codie.report.jsonout",
    "markdown": "codie.report.markdown",
    "html": "codie.report.html",
    "pdf": "codie.report.pdf",
    "sarif": "codie.report.sarif",
}


def renderer(name: str) -> Callable[[Run], str | bytes]:
    module = importlib.import_module(FORMATS[name])
    return module.render  # type: ignore[no-any-return]


def write_report(run: Run, fmt: str, output: Path | None) -> None:
    """Render `run` as `fmt` into `output` (a file) or standard output."""
    rendered = renderer(fmt)(run)
    if output is not None:
        mode = "wb" if isinstance(rendered, bytes) else "w"
        with output.open(mode) as fh:
            fh.write(rendered)
    elif isinstance(rendered, bytes):
        sys.stdout.buffer.write(rendered)
    else:
        sys.stdout.write(rendered)


def exit_code(run: Run, fail_on: Severity | None) -> int:
    """1 when a shown finding reaches `fail_on` (None: never fail), else 0."""
    if fail_on is None:
        return 0
    return 1 if any(r.finding.severity.rank >= fail_on.rank for r in run.shown) else 0
