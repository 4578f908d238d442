"""Manifest and lockfile parsers. `parse(filename, source)` picks one by the file's name."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlparse

from codie.analyzers.dependencies.manifests.formats import (
    parse_pipfile_lock,
    parse_pyproject,
    parse_toml_lock,
)
from codie.analyzers.dependencies.manifests.model import Dependency, Include, Manifest, Problem
from codie.analyzers.dependencies.manifests.requirements import parse_requirements

__all__ = ["Dependency", "Include", "Manifest", "Problem", "filename_of", "manifest_format", "parse"]

REQUIREMENTS_NAME = re.compile(r"(req|constraint)[^/]*\.(txt|in)$", re.IGNORECASE)
PYLOCK_NAME = re.compile(r"^pylock(\.[^./]+)?\.toml$")


def filename_of(uri: str) -> str:
    """The file name a document's URI stands for (the URI itself for other schemes)."""
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme in ("file", "untitled", "") else uri


def manifest_format(filename: str) -> str | None:
    """The manifest format a file name says, or None for files that are not manifests."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if name == "pyproject.toml":
        return "pyproject"
    if name in ("poetry.lock", "uv.lock"):
        return name.split(".")[0]
    if name == "Pipfile.lock":
        return "pipfile-lock"
    if PYLOCK_NAME.match(name):
        return "pylock"
    if REQUIREMENTS_NAME.search(name):
        return "requirements"
    return None


def parse(filename: str, source: bytes) -> Manifest | None:
    fmt = manifest_format(filename)
    if fmt == "requirements":
        return parse_requirements(source)
    if fmt == "pyproject":
        return parse_pyproject(source)
    if fmt in ("poetry", "uv", "pylock"):
        return parse_toml_lock(source, fmt)
    if fmt == "pipfile-lock":
        return parse_pipfile_lock(source)
    return None
