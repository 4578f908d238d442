"""What a child process of the language server runs first (the pools' initializers).

A module of its own, importing only the standard library: a spawned child imports the
module of its initializer, and a child that imported lsp/children.py (asyncio, the pool)
would carry ~6 MiB it never uses.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal


def detach_from_server() -> None:
    """In a child process: die with the server, and let go of its LSP stdio.

    A child that kept the server's stdout would corrupt the protocol if it wrote, and would
    keep the client waiting for the pipe to close after the server is gone.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)


def background_worker(memory_mb: int) -> None:
    """Initializer of the workspace-scan pool: detached, niced and memory-capped."""
    # imported here: a child of another pool (metrics, call graph) imports this module for
    # detach_from_server, and should not pay for the workspace walker and settings
    from codie.core.workspace import lower_priority

    detach_from_server()
    lower_priority(memory_mb)
