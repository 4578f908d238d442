"""Summaries of functions imported from other modules of the workspace.

Headless runs only (`codie check`): the language server must not read files on the
keystroke path. A call to `helper()` imported with `from app.utils import helper` (or
`from .utils import helper`) uses the summary of `helper` computed from `app/utils.py`,
so a route in one module and a shell command in another make one finding, reported at
the call in the calling file with the sink's place in the other file as related location.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from codie.analyzers.security.model import Summary
from codie.analyzers.security.names import collect_imports
from codie.core.document import Document

if TYPE_CHECKING:
    from codie.analyzers.security.module import ModuleInfo

log = logging.getLogger(__name__)
MAX_DEPTH = 2  # module -> imported module -> its imports: deeper calls stay unknown
MAX_BYTES = 2_000_000
_LOADED: dict[Path, tuple[tuple[int, int], ModuleInfo | None]] = {}


class ModuleLoader:
    def __init__(self, root: Path, current: Path, depth: int = 0) -> None:
        self.root = root.resolve()
        self.current = current
        self.depth = depth

    def find(self, module: str, level: int) -> Path | None:
        parts = [p for p in module.split(".") if p]
        bases: list[Path] = []
        if level:
            base = self.current.parent
            for _ in range(level - 1):
                base = base.parent
            bases.append(base)
        else:
            bases += [self.root, self.root / "src", self.current.parent]
        for base in bases:
            stem = base.joinpath(*parts) if parts else base
            for candidate in (stem.with_suffix(".py"), stem / "__init__.py"):
                try:
                    resolved = candidate.resolve()
                except OSError:
                    continue
                if resolved.is_file() and resolved.is_relative_to(self.root) and resolved != self.current:
                    return resolved
        return None

    def load(self, path: Path) -> ModuleInfo | None:
        from codie.analyzers.security.module import ModuleInfo

        try:
            stat = path.stat()
        except OSError:
            return None
        key = (stat.st_mtime_ns, stat.st_size)
        cached = _LOADED.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        mod: ModuleInfo | None = None
        if stat.st_size <= MAX_BYTES:
            try:
                doc = Document(path.as_uri(), path.read_bytes().decode("utf-8", "replace"))
            except OSError:
                doc = None
            if doc is not None and doc.tree is not None:
                root = doc.tree.root_node
                mod = ModuleInfo(doc.source, root, collect_imports(doc.source, root), {})
                mod.uri = doc.uri
                if self.depth + 1 < MAX_DEPTH:
                    mod.loader = ModuleLoader(self.root, path, self.depth + 1)
        if len(_LOADED) > 256:
            _LOADED.clear()
        _LOADED[path] = (key, mod)
        return mod

    def function(self, qualified: str, level: int) -> tuple[ModuleInfo, str] | None:
        """The module and key of an imported function, if it is defined in the workspace."""
        module, _, name = qualified.rpartition(".")
        path = self.find(module, level)
        if path is None:
            return None
        mod = self.load(path)
        if mod is None or name not in mod.functions:
            return None
        return mod, name

    def summary(self, qualified: str, level: int) -> Summary | None:
        found = self.function(qualified, level)
        if found is None:
            return None
        mod, name = found
        try:
            return mod.summary(name)
        except RecursionError:
            log.info("security-taint: %s is nested too deeply to summarise", qualified)
            return None
