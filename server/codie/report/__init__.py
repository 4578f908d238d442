"""Readers of the same findings: each output format is one module with `render(run) -> str`."""

from __future__ import annotations

import importlib
from collections.abc import Callable

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
