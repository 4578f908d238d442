"""Files that change what Codie shows: pyproject.toml, .gitignore, baselines, sources.

Asks the client to watch them (dynamic registration of workspace/didChangeWatchedFiles,
when the client supports it) and drops cached baselines when their file changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from lsprotocol import types

from codie.lsp import new_code
from codie.lsp.presenting import baselines
from codie.lsp.server import CodieServer
from codie.lsp.settings import uri_to_path

log = logging.getLogger(__name__)
WATCHED = (
    "**/pyproject.toml",
    "**/.gitignore",
    "**/*.codie-baseline.json",
    "**/.codie-baseline.json",
    "**/*.py",
    "**/*.pyi",
    "**/*.ipynb",
)
REGISTRATION_ID = "codie-watched-files"


async def register_watchers(ls: CodieServer) -> None:
    caps = ls.client_capabilities.workspace
    watch = caps.did_change_watched_files if caps else None
    if not (watch and watch.dynamic_registration):
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=g) for g in WATCHED]
    )
    try:
        await ls.client_register_capability_async(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id=REGISTRATION_ID, method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
                    )
                ]
            )
        )
    except Exception as exc:  # the client refused: hot reload then relies on didSave
        log.warning("cannot register file watchers: %s", exc)


def register(server: CodieServer) -> None:
    tasks: set[asyncio.Task[None]] = set()

    def initialized(ls: CodieServer) -> None:
        task = asyncio.get_event_loop().create_task(register_watchers(ls))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def watched(ls: CodieServer, changes: Sequence[types.FileEvent]) -> None:
        refresh = False
        for change in changes:
            if change.uri.endswith("baseline.json"):
                baselines(ls).forget(uri_to_path(change.uri))
                refresh = True
        if refresh:
            ls.reconfigure()

    def settings(ls: CodieServer) -> None:
        baselines(ls).forget()
        new_code.cache_of(ls).forget()

    server.hooks.initialized.connect(initialized)
    server.hooks.watched.connect(watched)
    server.hooks.settings.connect(settings)
