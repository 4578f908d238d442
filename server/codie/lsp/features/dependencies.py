"""Dependency vulnerabilities in the editor: advisory hovers and the workspace pin cache.

Hover on a pin (manifest or lockfile) or on a DEP004 import lists the advisories. The
per-folder pin snapshot behind DEP004 is refreshed in the thread pool when a manifest is
opened, saved or changed on disk, never on the keystroke path; Python documents of that
folder are then re-analysed.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from codie.core.document import Document
from codie.lsp.features.hover import findings_at
from codie.lsp.server import CodieServer

# The dependency analyzer's modules (manifest formats, the advisory index, CVSS) are
# imported where they are used: `initialize` is answered before they load (the analyzers'
# warm-up thread imports them right after it).
if TYPE_CHECKING:
    from codie.analyzers.dependencies.advisories import Advisory
    from codie.analyzers.dependencies.manifests import Dependency
    from codie.analyzers.dependencies.workspace import DependencyService

log = logging.getLogger(__name__)
MAX_ROWS = 5  # the worst advisories in the hover; the link lists all
SNYK_COMMAND = "codie.snyk.run"


def advisory_table(package: str, version: str, found: list[Advisory], upgrade: str | None) -> str:
    """Short: the upgrade first, the worst few advisories, a link to all of them (the
    summaries are on the linked pages; a hover is not the place for pages of text)."""
    from codie.analyzers.dependencies.advisories import cvss_level
    from codie.analyzers.dependencies.osv import ATTRIBUTION

    n = len(found)
    lines = [
        f"#### {package} {version}: {n} known vulnerabilit{'y' if n == 1 else 'ies'}",
        "",
        f"**Smallest upgrade that clears all:** {upgrade}" if upgrade else "**No release fixes all of them.**",
        "",
        "| advisory | aliases | CVSS | fixed in |",
        "|---|---|---|---|",
    ]
    worst = sorted(found, key=lambda a: -(a.score or 0.0))[:MAX_ROWS]
    for a in worst:
        score = f"{a.score} {cvss_level(a.score)}" if a.score is not None else "n/a"
        lines.append(
            f"| [{a.id}]({a.url}) | {', '.join(a.aliases[:2])} | {score} | {', '.join(a.fixed[:2]) or 'none'} |"
        )
    link = f"https://osv.dev/list?ecosystem=PyPI&q={package}"
    more = f"{n - len(worst)} more: " if n > len(worst) else ""
    lines += ["", f"{more}[all advisories for {package}]({link}). _Data: {ATTRIBUTION}._"]
    return "\n".join(lines)


def _dependency_at(doc: Document, offset: int) -> Dependency | None:
    from codie.analyzers.dependencies.manifests import filename_of, parse

    manifest = parse(filename_of(doc.uri), doc.source)
    if manifest is None:
        return None
    line = doc.lines.line_of(offset)
    for dep in manifest.dependencies:
        if dep.start <= offset <= dep.end or doc.lines.line_of(dep.start) == line:
            return dep
    return None


def dependency_hover(ls: CodieServer, doc: Document, params: types.HoverParams) -> str | None:
    from codie.analyzers.dependencies.advisories import active_index, parse_version
    from codie.analyzers.dependencies.manifests import filename_of, manifest_format
    from codie.analyzers.dependencies.osv import ATTRIBUTION

    pos = params.position
    offset = doc.offset_at(pos.line, pos.character, ls.encoding)
    # The advisory index (~5 MiB resident once loaded) only when the hover is about a pin:
    # a hover anywhere in a Python file used to load it, at the editor's memory peak.
    if doc.is_python:  # an import hint carries the pin it is about
        for f in findings_at(ls, doc, offset):
            if f.rule_id == "DEP004":
                index = active_index()
                if index is None:
                    return None
                package, version = str(f.data["package"]), str(f.data["version"])
                return advisory_table(package, version, index.affecting(package, version), f.data.get("upgrade"))
        return None
    if manifest_format(filename_of(doc.uri)) is None:
        return None
    dep = _dependency_at(doc, offset)
    if dep is None or dep.version is None or parse_version(dep.version) is None:
        return None
    index = active_index()
    if index is None:
        return None
    found = index.affecting(dep.name, dep.version)
    if not found:
        what = "" if dep.exact else f" (the lowest version `{dep.specifier}` allows)"
        return (
            f"**{dep.name} {dep.version}**{what}: no known advisories in the offline "
            f"index (data up to {str(index.meta.get('data_modified'))[:10]}). "
            f"_Data: {ATTRIBUTION}._"
        )
    upgrade = index.smallest_upgrade(dep.name, dep.version)
    return advisory_table(dep.name, dep.version, found, str(upgrade) if upgrade else None)


def _is_manifest(uri: str) -> bool:
    from codie.analyzers.dependencies.manifests import filename_of, manifest_format

    return manifest_format(filename_of(uri)) is not None


def _service(ls: CodieServer) -> DependencyService:
    from codie.analyzers.dependencies.workspace import SERVICE, DependencyService

    return ls.services.get(DependencyService, name=SERVICE)


def refresh_folder(ls: CodieServer, root: Path) -> None:
    """Re-read root's manifests in the thread pool; re-analyse its Python files if needed."""
    workspace = _service(ls).folder(root)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        try:
            changed = await loop.run_in_executor(ls.thread_pool, workspace.refresh)
        except Exception:
            log.exception("reading the manifests of %s failed", root)
            return
        if not changed:
            return
        for uri, analysis in list(ls.analyses.items()):
            if analysis.doc.is_python and analysis.ctx.root == root:
                analysis.invalidate()
                ls.schedule(uri)

    try:
        asyncio.get_running_loop().create_task(run())
    except RuntimeError:  # no loop (unit tests calling listeners directly): do it inline
        if workspace.refresh():
            for analysis in ls.analyses.values():
                if analysis.doc.is_python and analysis.ctx.root == root:
                    analysis.invalidate()


def _on_open(ls: CodieServer, doc: Document) -> None:
    root = ls.settings.folder_of(doc.uri)
    if root is None:
        return
    # After the first diagnostics: the service imports the manifests' code (packaging, the
    # advisory index: ~45 ms of CPU) and reads the folder in a thread, which took the GIL
    # from the first analysis. The first analysis has no pins to hint at either way (they
    # are read in the background); DEP004 follows once they are, as before.
    uri = doc.uri
    ls.after_startup(lambda: _open_folder(ls, root, uri))


def _open_folder(ls: CodieServer, root: Path, uri: str) -> None:
    workspace = _service(ls).folder(root)
    if not workspace.refreshed or _is_manifest(uri):
        refresh_folder(ls, root)


def _on_save(ls: CodieServer, uri: str) -> None:
    root = ls.settings.folder_of(uri)
    if root is not None and _is_manifest(uri):
        refresh_folder(ls, root)


def _on_watched(ls: CodieServer, changes: Any) -> None:
    roots = set()
    for change in changes or []:
        uri = getattr(change, "uri", "")
        root = ls.settings.folder_of(uri)
        if root is not None and _is_manifest(uri):
            roots.add(root)
    for root in roots:
        refresh_folder(ls, root)


def upgrade_all_action(ls: CodieServer, doc: Document, params: types.CodeActionParams) -> list[types.CodeAction]:
    """One source action for the whole manifest: every DEP001 pin to its upgrade."""
    analysis = ls.analyses.get(doc.uri)
    only = params.context.only
    source = types.CodeActionKind.Source.value
    if (
        analysis is None
        or doc.is_python
        or (only and not any(source.startswith(str(getattr(o, "value", o))) for o in only))
    ):
        return []
    edits = [
        e for f in ls.visible_findings(analysis) if f.rule_id == "DEP001" and f.fix is not None for e in f.fix.edits
    ]
    if len(edits) < 2:
        return []  # one pin: its quick fix says the same
    from codie.lsp.features.code_actions import workspace_edit

    return [
        types.CodeAction(
            title=f"Upgrade all {len(edits)} vulnerable pins in this file",
            kind=types.CodeActionKind.Source,
            edit=workspace_edit(ls, doc, edits),
            data={"action": "upgrade-all", "count": len(edits)},
        )
    ]


def _run_snyk(ls: CodieServer, root: Path) -> dict[str, Any]:
    """Blocking: runs `snyk test --json` (thread pool only)."""
    from codie.analyzers.dependencies.snyk import run_snyk

    vulns, _ = run_snyk(root)
    _service(ls).folder(root).snyk = vulns
    return {"folder": str(root), "vulnerabilities": len(vulns)}


def register(server: CodieServer) -> None:
    # the pin cache DEP004 reads (ctx.services) is made with the first document, not here
    server.hooks.hover.append(dependency_hover)
    server.hooks.code_action.append(upgrade_all_action)

    @server.command(SNYK_COMMAND)
    async def snyk_run(ls: CodieServer, *args: Any) -> dict[str, Any]:
        """Run the snyk CLI on a workspace folder (default: the first) off the event loop;
        what it finds and Codie's index does not becomes DEP005 on the manifests."""
        folders = ls.folder_paths()
        wanted = str(args[0]) if args and isinstance(args[0], str) else None
        root = ls.settings.folder_of(wanted) if wanted else (folders[0] if folders else None)
        if root is None:
            return {"error": "no workspace folder to test"}
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(ls.thread_pool, _run_snyk, ls, root)
        except Exception as exc:
            from codie.analyzers.dependencies.snyk import SnykFormatError

            if not isinstance(exc, SnykFormatError):
                raise
            ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=f"Codie: {exc}"))
            return {"error": str(exc)}
        for uri, analysis in list(ls.analyses.items()):
            if analysis.ctx.root == root and _is_manifest(uri):
                analysis.invalidate()
                ls.schedule(uri)
        return result

    server.hooks.open.connect(_on_open)
    server.hooks.save.connect(_on_save)
    server.hooks.watched.connect(_on_watched)
