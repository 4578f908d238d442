"""Settings per workspace folder: defaults <- client settings <- the folder's [tool.codie]."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from codie.core.config import ConfigProblem, Settings, load_pyproject, merge


@functools.lru_cache(maxsize=1_024)  # asked several times per publish, for the same few URIs
def uri_to_path(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


def client_section(raw: Any) -> Mapping[str, Any]:
    """Accept {"codie": {...}}, {"settings": {...}} or the bare table, from any client."""
    if not isinstance(raw, Mapping):
        return {}
    for key in ("codie", "settings"):
        inner = raw.get(key)
        if isinstance(inner, Mapping):
            return client_section(inner) if key == "settings" else inner
    return raw


class FolderSettings:
    """Resolves and caches Settings for every workspace folder."""

    def __init__(self) -> None:
        self.folders: list[Path] = []
        self.client: Mapping[str, Any] = {}
        self.folder_client: dict[Path, Mapping[str, Any]] = {}
        self._cache: dict[Path | None, Settings] = {}
        self.problems: dict[Path, list[ConfigProblem]] = {}
        # folder_of() by uri: asked on every keystroke, and a uri's folder changes only
        # with the folders (a few entries per open document; cleared with the folders)
        self._folder_of: dict[str, Path | None] = {}

    def set_folders(self, folders: list[Path]) -> None:
        self.folders = sorted(set(folders), key=lambda p: len(p.parts), reverse=True)
        self._cache.clear()
        self._folder_of.clear()

    def set_client(self, raw: Any, folder: Path | None = None) -> None:
        if folder is None:
            self.client = client_section(raw)
        else:
            self.folder_client[folder] = client_section(raw)
        self._cache.clear()

    def invalidate(self) -> None:
        self._cache.clear()

    def folder_of(self, uri: str) -> Path | None:
        if uri in self._folder_of:
            return self._folder_of[uri]
        if len(self._folder_of) >= 4_096:
            self._folder_of.clear()
        folder = self._folder_of[uri] = self._find_folder(uri)
        return folder

    def _find_folder(self, uri: str) -> Path | None:
        path = uri_to_path(uri)
        if path is None:
            return None
        for folder in self.folders:  # deepest first
            if path == folder or folder in path.parents:
                return folder
        return None

    def for_uri(self, uri: str) -> Settings:
        return self.for_folder(self.folder_of(uri))

    def for_folder(self, folder: Path | None) -> Settings:
        if folder in self._cache:
            return self._cache[folder]
        settings, problems = merge(Settings(), self.client, "client settings")
        if folder is not None:
            settings, more = merge(settings, self.folder_client.get(folder, {}), "folder settings")
            problems += more
            settings, file_problems = load_pyproject(folder / "pyproject.toml", settings)
            self.problems[folder] = file_problems
        self._cache[folder] = settings
        return settings
