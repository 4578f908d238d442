"""Whole-workspace analysis, pure (no LSP): which files, and the shape of each file's result.

`workspace_files` is the one walker (core/files.py) over a folder's Python files: it never
reads what is ignored (`exclude`, `.gitignore` at any depth). The analysis itself is the
one pipeline, run per file in a worker process by codie.headless.scan_batch, which
returns plain data (diagnostic JSON in the client's position encoding), so the server
keeps only small results in memory, never documents or trees.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codie.core import files
from codie.core.config import Settings

# Notebooks are left to notebook sync: their positions only make sense per open cell.
WORKSPACE_LANGUAGES = files.PYTHON_ONLY


def workspace_files(root: Path, settings: Settings) -> Iterator[Path]:
    """Python files under root that are neither excluded nor git-ignored."""
    return files.walk([root], root, settings, WORKSPACE_LANGUAGES)


def is_included(path: Path, root: Path, settings: Settings) -> bool:
    """workspace_files' verdict for one path, reading only the .gitignore files above it."""
    return files.is_included(path, root, settings, WORKSPACE_LANGUAGES)


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
