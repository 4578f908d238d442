"""Where Codie keeps what it can rebuild: the platform's per-user cache folder.

One place for the rule, shared by the start-up code cache (lsp/codecache.py) and the
`codie check` result cache (report/cache.py). Standard library only: the server's start
path imports it before pygls.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CACHE_ENV = "CODIE_CACHE_DIR"  # overrides the platform's folder (tests, CI, read-only homes)


def user_cache_dir() -> Path:
    """$CODIE_CACHE_DIR, else the platform's per-user cache folder for Codie."""
    if explicit := os.environ.get(CACHE_ENV):
        return Path(explicit)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "codie" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "codie"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "codie"
