"""Focus on new code in the editor: show only findings on lines changed since a git ref.

`[tool.codie.baseline] new-since = "origin/main"`. The file's text at the ref is read once
through the hardened git wrapper (core/git.text_at_ref) on a thread, never on the event
loop; the changed lines of the live buffer are then a line diff against it, recomputed
once per document version, and handed to the one present step's new-code filter. Until
the ref's text is known every finding is shown; then the document is re-published.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from codie.core.config import Settings
from codie.core.document import Document
from codie.core.git import diff_lines, text_at_ref

if TYPE_CHECKING:
    from codie.lsp.server import CodieServer

log = logging.getLogger(__name__)
PENDING = object()


def ref_of(settings: Settings) -> str | None:
    raw = settings.section("baseline")
    ref = raw.get("new-since", raw.get("newSince", raw.get("new_since")))
    return ref if isinstance(ref, str) and ref.strip() else None


class NewCodeCache:
    def __init__(self) -> None:
        self.base: dict[tuple[Path, str], object] = {}  # str | None | PENDING
        self.lines: dict[str, tuple[int | None, set[int]]] = {}  # uri -> (version, lines)

    def changed_lines(self, ls: CodieServer, doc: Document, path: Path, ref: str) -> set[int] | None:
        """0-based lines of the buffer that differ from the ref; None while unknown."""
        base = self.base.get((path, ref))
        if base is None and (path, ref) not in self.base:
            self.base[(path, ref)] = PENDING
            import asyncio  # (here: ~30 ms; the start path presents a first file before it is imported)

            asyncio.get_event_loop().create_task(self._load(ls, doc.uri, path, ref))
            return None
        if base is PENDING or base is None:
            return None
        assert isinstance(base, str)
        cached = self.lines.get(doc.uri)
        if cached is not None and cached[0] == doc.version:
            return cached[1]
        changed = diff_lines(base, doc.text)
        self.lines[doc.uri] = (doc.version, changed)
        return changed

    async def _load(self, ls: CodieServer, uri: str, path: Path, ref: str) -> None:
        import asyncio

        self.base[(path, ref)] = await asyncio.to_thread(text_at_ref, path, ref)
        if uri in ls.analyses:
            ls.schedule(uri)  # publish again, now filtered
            if ls.pull_diagnostics:
                ls.refresh_pull()

    def forget(self) -> None:
        self.base.clear()
        self.lines.clear()


def cache_of(ls: CodieServer) -> NewCodeCache:
    return ls.services.get(NewCodeCache)


def changed_lines(ls: CodieServer, doc: Document, path: Path | None, settings: Settings) -> set[int] | None:
    """The buffer's 0-based lines changed since `new-since`, for the present step's new-code
    filter (core/presenting.on_changed_lines); None when focus is off or not yet known."""
    ref = ref_of(settings)
    if ref is None or path is None or not doc.is_python:
        return None
    return cache_of(ls).changed_lines(ls, doc, path, ref)
