"""Focus on new code in the editor: show only findings on lines changed since a git ref.

`[tool.codie.baseline] new-since = "origin/main"`. The file's text at the ref is read once
with `git show` on a thread (never on the event loop); the changed lines of the live
buffer are then a line diff against it, recomputed once per document version. Until the
ref's text is known every finding is shown; then the document is re-published.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from codie.core.config import Settings
from codie.core.document import Document
from codie.core.findings import Finding

if TYPE_CHECKING:
    from codie.lsp.server import CodieServer

log = logging.getLogger(__name__)
PENDING = object()


def ref_of(settings: Settings) -> str | None:
    raw = settings.section("baseline")
    ref = raw.get("new-since", raw.get("newSince", raw.get("new_since")))
    return ref if isinstance(ref, str) and ref.strip() else None


def text_at_ref(path: Path, ref: str) -> str | None:
    """The file's text at `ref`; "" when it did not exist there; None when git cannot say."""
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=path.parent,
                             capture_output=True, text=True, timeout=30, check=False)
        if top.returncode != 0:
            return None
        rel = path.resolve().relative_to(Path(top.stdout.strip()).resolve()).as_posix()
        shown = subprocess.run(["git", "show", f"{ref}:{rel}"], cwd=path.parent,
                               capture_output=True, timeout=30, check=False)
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        log.warning("new-since %s for %s: %s", ref, path, exc)
        return None
    if shown.returncode != 0:
        exists = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
                                cwd=path.parent, capture_output=True, timeout=30, check=False)
        return "" if exists.returncode == 0 else None  # a new file, or an unknown ref
    return shown.stdout.decode("utf-8", "replace")


class NewCodeCache:
    def __init__(self) -> None:
        self.base: dict[tuple[Path, str], object] = {}  # str | None | PENDING
        self.lines: dict[str, tuple[int | None, set[int]]] = {}  # uri -> (version, lines)

    def changed_lines(
        self, ls: CodieServer, doc: Document, path: Path, ref: str
    ) -> set[int] | None:
        """0-based lines of the buffer that differ from the ref; None while unknown."""
        base = self.base.get((path, ref))
        if base is None and (path, ref) not in self.base:
            self.base[(path, ref)] = PENDING
            asyncio.get_event_loop().create_task(self._load(ls, doc.uri, path, ref))
            return None
        if base is PENDING or base is None:
            return None
        assert isinstance(base, str)
        cached = self.lines.get(doc.uri)
        if cached is not None and cached[0] == doc.version:
            return cached[1]
        old = base.splitlines()
        new = doc.text.splitlines()
        changed: set[int] = set()
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
            if tag in ("replace", "insert"):
                changed.update(range(j1, j2))
        self.lines[doc.uri] = (doc.version, changed)
        return changed

    async def _load(self, ls: CodieServer, uri: str, path: Path, ref: str) -> None:
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


def focus(ls: CodieServer, doc: Document, path: Path | None, settings: Settings,
          findings: list[Finding]) -> list[Finding]:
    """The findings on changed lines (all of them when focus is off or not yet known)."""
    ref = ref_of(settings)
    if ref is None or path is None or not doc.is_python:
        return findings
    changed = cache_of(ls).changed_lines(ls, doc, path, ref)
    if changed is None:
        return findings
    kept = []
    for f in findings:
        first = doc.lines.line_of(f.start)
        last = doc.lines.line_of(max(f.start, f.end - 1))
        if f.rule_id.startswith("CFG") or any(line in changed for line in range(first, last + 1)):
            kept.append(f)
    return kept
