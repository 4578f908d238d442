"""The per-workspace style models the LSP layer (or the worker) fills and analyzers read."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from codie.analyzers.style.model import KeptFacts, WorkspaceModel

SERVICE = "style"


class StyleService:
    def __init__(self) -> None:
        self.models: dict[Path, WorkspaceModel] = {}
        self.locks: dict[Path, threading.Lock] = {}
        self.pending: set[Path] = set()  # workspaces being trained
        # seconds of naming scores per analysis pass (None: no limit, as in headless runs)
        self.naming_budget: float | None = None
        # called with a document's uri when its naming scores were cut short by the budget
        self.on_unfinished: Callable[[str], None] | None = None
        # a headless check's: each trained file's facts, as its training computed them
        # (build_model's `keep`), until the file's analysis takes them
        self.kept: dict[str, KeptFacts] = {}
        self._guard = threading.Lock()

    def model_for(self, root: Path | None) -> WorkspaceModel | None:
        if root is None:
            return None
        found = self.models.get(root)
        if found is None:  # trained under the resolved path (a door may not resolve)
            found = self.models.get(root.resolve())
        return found

    def take(self, key: str | None, source: bytes) -> KeptFacts | None:
        """The facts training kept of the file `key`, if they were computed from `source`
        (else None: the caller computes them); taken once (a check analyses a file once)."""
        if key is None or not self.kept:
            return None
        found = self.kept.pop(key, None)
        if found is None or found.source != source:
            return None
        return found

    def more_naming(self, uri: str) -> None:
        if self.on_unfinished is not None:
            self.on_unfinished(uri)

    def lock_for(self, root: Path) -> threading.Lock:
        """Serialises the training jobs of one workspace (full training vs per-save)."""
        with self._guard:
            return self.locks.setdefault(root, threading.Lock())
