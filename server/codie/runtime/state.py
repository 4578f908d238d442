"""The latest runtime issues per file, shared with the runtime analyzer via ctx.services."""

from __future__ import annotations

import threading
from pathlib import Path

from codie.runtime.issues import RuntimeIssue

SERVICE = "runtime"


class RuntimeState:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_root: dict[Path, dict[str, list[RuntimeIssue]]] = {}

    def replace(self, root: Path, issues: list[RuntimeIssue], covered: set[str] | None = None) -> set[Path]:
        """Store a run's issues. Files of `covered` without new issues are cleared.
        Returns every file whose issues changed (absolute paths)."""
        grouped: dict[str, list[RuntimeIssue]] = {}
        for issue in issues:
            grouped.setdefault(issue.file, []).append(issue)
        with self._lock:
            current = self._by_root.setdefault(root.resolve(), {})
            stale = set(current) if covered is None else set(current) & covered
            stale |= {f for f, found in current.items() if any(i.rule_id in ("RUN003", "RUN004") for i in found)}
            changed = {f for f in stale if f not in grouped} | set(grouped)
            for name in stale:
                current.pop(name, None)
            current.update(grouped)
        return {root.resolve() / name for name in changed}

    def for_path(self, path: Path) -> list[RuntimeIssue]:
        path = path.resolve()
        with self._lock:
            for root, files in self._by_root.items():
                if path.is_relative_to(root):
                    return list(files.get(path.relative_to(root).as_posix(), []))
        return []
