"""Initialization options, workspace/didChangeConfiguration, workspace/configuration,
workspace folders and watched pyproject.toml files."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from lsprotocol import types

from codie.lsp.server import CodieServer
from codie.lsp.settings import uri_to_path

log = logging.getLogger(__name__)


def register(server: CodieServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: CodieServer, params: types.InitializeParams) -> None:
        caps = params.capabilities
        ls.pull_diagnostics = bool(caps.text_document and caps.text_document.diagnostic)
        ls.settings.set_client(params.initialization_options or {})
        ls.settings.set_folders(ls.folder_paths())
        # the response is written when this returns; the analyzers load after it, in a thread
        with contextlib.suppress(RuntimeError):  # no running loop (a test driving in-process)
            asyncio.get_running_loop().call_soon(ls.warm_up)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: CodieServer, params: types.InitializedParams) -> None:
        await pull_configuration(ls)
        # An editor sends didOpen right after `initialized`, without waiting: its documents
        # were analysed (and published) with the settings before the client's answer. Those
        # whose folder's settings it changed are analysed again, or they would keep showing
        # what the user's settings turn off until their next edit.
        if any(analysis.ctx.settings != ls.settings.for_uri(uri) for uri, analysis in ls.analyses.items()):
            ls.reconfigure()
        ls.hooks.initialized.emit(ls)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: CodieServer, params: None) -> None:
        ls.scheduler.gate.retire()  # a training still running: at full speed, nothing to give way to
        ls.hooks.shutdown.emit(ls)  # features stop their pools and processes

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: CodieServer, params: types.DidChangeConfigurationParams) -> None:
        if params.settings:
            ls.settings.set_client(params.settings)
        await pull_configuration(ls)
        ls.reconfigure()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_folders(ls: CodieServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        ls.settings.set_folders(ls.folder_paths())
        ls.reconfigure()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched(ls: CodieServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(change.uri.endswith("/pyproject.toml") for change in params.changes):
            ls.reconfigure()
        ls.hooks.watched.emit(ls, params.changes)


async def pull_configuration(ls: CodieServer) -> None:
    """Ask the client for the `codie` section of each folder, when it can answer."""
    caps = ls.client_capabilities.workspace
    if not (caps and caps.configuration):
        return
    folders: list[Path | None] = list(ls.settings.folders) or [None]
    items = [types.ConfigurationItem(scope_uri=f.as_uri() if f else None, section="codie") for f in folders]
    try:
        answers = await ls.workspace_configuration_async(types.ConfigurationParams(items=items))
    except Exception as exc:  # a client that cannot answer keeps the settings it gave
        log.warning("workspace/configuration failed: %s", exc)
        return
    for folder, answer in zip(folders, answers or [], strict=False):
        if answer:
            ls.settings.set_client(answer, folder)


__all__ = ["register", "uri_to_path"]
