"""The per-workspace style models the LSP layer (or the worker) fills and analyzers read."""

from __future__ import annotations

import threading
from pathlib import Path

from codie.analyzers.style.model import WorkspaceModel

SERVICE = "style"


class StyleService:
    def __init__(self) -> None:
        self.models: dict[Path, WorkspaceModel] = {}
        self.locks: dict[Path, threading.Lock] = {}
        self.pending: set[Path] = set()  # workspaces being trained
        self._guard = threading.Lock()

    def model_for(self, root: Path | None) -> WorkspaceModel | None:
        return self.models.get(root) if root is not None else None

    def lock_for(self, root: Path) -> threading.Lock:
        """Serialises the training jobs of one workspace (full training vs per-save)."""
        with self._guard:
            return self.locks.setdefault(root, threading.Lock())
