"""Summaries of functions imported from other modules of the workspace.

A call to `helper()` imported with `from app.utils import helper` (or `from .utils import
helper`) uses the summary of `helper` computed from `app/utils.py`, so a route in one module
and a shell command in another make one finding, reported at the call in the calling file
with the sink's place in the other file as related location. Each function's summary is
computed once per text of its module and reused by every file that imports it.

Where the text of the other module comes from is a `Reader`'s business: `codie check` reads
the disk (`DiskReader`); the language server never reads files on the keystroke path, so it
hands in `WorkspaceSources`: open buffers, and files its thread pool read in the background
(a miss asks for the read and the document is analysed again once the text is in).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from codie.analyzers.security.model import Summary
from codie.analyzers.security.names import collect_imports
from codie.core.document import Document

if TYPE_CHECKING:
    from codie.analyzers.security.module import ModuleInfo

log = logging.getLogger(__name__)
MAX_DEPTH = 2  # module -> imported module -> its imports: deeper calls stay unknown
MAX_BYTES = 2_000_000
_LOADED: dict[Path, tuple[object, ModuleInfo | None]] = {}
SERVICE = "taint-sources"  # ctx.services key of the editor's WorkspaceSources


class Reader(Protocol):
    def locate(self, candidate: Path) -> Path | None:
        """The file a candidate path names, if it exists (as far as the reader knows now)."""

    def version(self, path: Path) -> object | None:
        """A token that changes when the file's text does; None if it cannot be read."""

    def read(self, path: Path) -> bytes | None: ...

    def found(self) -> dict[tuple[Path, str, int], Path | None] | None:
        """Where `ModuleLoader.find` keeps what it found while the reader's files stay as
        they are (None: nothing is kept)."""


class DiskReader:
    """`codie check`: the files on disk, keyed by modification time and size."""

    def locate(self, candidate: Path) -> Path | None:
        try:
            resolved = candidate.resolve()
        except OSError:
            return None
        return resolved if resolved.is_file() else None

    def version(self, path: Path) -> object | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size) if stat.st_size <= MAX_BYTES else None

    def read(self, path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except OSError:
            return None

    def found(self) -> dict[tuple[Path, str, int], Path | None] | None:
        return None  # (a check asks each module once per file: the answers are not kept)


class WorkspaceSources:
    """The editor's view of the workspace's modules, from memory only.

    `documents(path)` gives an open buffer's text; other files are read by the language
    server in its thread pool: `locate`/`read` of a file not read yet call `on_miss(path,
    uri)` (uri: the document that needed it, to analyse again) and answer None for now.
    Thread-safe: the workspace scan analyses documents in worker threads.
    """

    def __init__(self) -> None:
        self.documents: Callable[[Path], bytes | None] = lambda path: None
        self.on_miss: Callable[[Path, str], None] = lambda path, uri: None
        self._texts: dict[Path, bytes | None] = {}  # None: no such file
        self._lock = threading.Lock()
        # what ModuleLoader.find answered (by importing file, module, level), as long as no
        # file is read, forgotten or opened: an editor's document asks every keystroke for
        # each of its imports (six candidate paths each), and the answers do not change
        self._found: dict[tuple[Path, str, int], Path | None] = {}

    def changed(self) -> None:
        """A file's text may have come or gone outside put/forget (a document opened)."""
        with self._lock:
            self._found = {}

    def reader(self, uri: str) -> _SourcesReader:
        return _SourcesReader(self, uri)

    def put(self, path: Path, data: bytes | None) -> None:
        with self._lock:
            self._texts[path] = data if data is None or len(data) <= MAX_BYTES else None
            self._found = {}

    def forget(self, path: Path) -> None:
        with self._lock:
            self._texts.pop(path, None)
            self._found = {}

    def found(self) -> dict[tuple[Path, str, int], Path | None]:
        with self._lock:
            return self._found

    def known(self, path: Path) -> bool:
        with self._lock:
            return path in self._texts

    def text(self, path: Path, uri: str) -> bytes | None:
        data = self.documents(path)
        if data is not None:
            return data
        with self._lock:
            if path in self._texts:
                return self._texts[path]
        self.on_miss(path, uri)
        return None


class _SourcesReader:
    def __init__(self, sources: WorkspaceSources, uri: str) -> None:
        self.sources = sources
        self.uri = uri

    def locate(self, candidate: Path) -> Path | None:
        path = Path(os.path.normpath(candidate))
        return path if self.sources.text(path, self.uri) is not None else None

    def version(self, path: Path) -> object | None:
        data = self.sources.text(path, self.uri)
        return None if data is None else ("text", hash(data))

    def read(self, path: Path) -> bytes | None:
        return self.sources.text(path, self.uri)

    def found(self) -> dict[tuple[Path, str, int], Path | None]:
        return self.sources.found()


class ModuleLoader:
    def __init__(self, root: Path, current: Path, depth: int = 0, reader: Reader | None = None) -> None:
        self.root = root.resolve() if reader is None or isinstance(reader, DiskReader) else root
        self.current = current
        self.depth = depth
        self.reader: Reader = reader if reader is not None else DiskReader()

    def find(self, module: str, level: int) -> Path | None:
        found = self.reader.found()
        if found is None:
            return self._find(module, level)
        key = (self.current, module, level)
        if key in found:
            return found[key]
        # (a miss, answered None until the file is read, is kept too: reading it in clears
        # the table. Keyed by the importing file, so each document that misses asks for the
        # read and is analysed again once the text is in.)
        path = found[key] = self._find(module, level)
        return path

    def _find(self, module: str, level: int) -> Path | None:
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
                found = self.reader.locate(candidate)
                if found is not None and found.is_relative_to(self.root) and found != self.current:
                    return found
        return None

    def load(self, path: Path) -> ModuleInfo | None:
        from codie.analyzers.security.module import ModuleInfo

        key = self.reader.version(path)
        if key is None:
            return None
        cached = _LOADED.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        mod: ModuleInfo | None = None
        data = self.reader.read(path)
        doc = Document(path.as_uri(), data.decode("utf-8", "replace")) if data is not None else None
        if doc is not None and doc.tree is not None:
            root = doc.tree.root_node
            mod = ModuleInfo(doc.source, root, collect_imports(doc.source, root))
            mod.uri = doc.uri
            if self.depth + 1 < MAX_DEPTH:
                mod.loader = ModuleLoader(self.root, path, self.depth + 1, self.reader)
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
