"""Files of a project as the headless adapters see them: walking, reading, analysing."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from codie.core.analyzer import Analyzer, Context
from codie.core.config import Settings
from codie.core.document import Document, language_for
from codie.core.engine import analyze
from codie.core.findings import Finding
from codie.core.rules import Catalogue

MAX_FILE_BYTES = 5_000_000
ANALYSED_LANGUAGES = {"python", "requirements", "toml", "lock", "notebook"}


def iter_files(
    paths: Sequence[Path], settings: Settings, root: Path, languages: set[str] | None = None
) -> Iterator[Path]:
    """Files under `paths` that Codie analyses, skipping excluded folders without reading them."""
    languages = languages or {"python"}
    for path in paths:
        if path.is_file():
            yield path
            continue
        for folder, dirs, files in os.walk(path):
            rel_folder = relative_path(Path(folder), root)
            dirs[:] = sorted(
                d for d in dirs
                if not d.startswith(".") and not settings.is_excluded(f"{rel_folder}/{d}/x".lstrip("/"))
            )
            for name in sorted(files):
                file = Path(folder) / name
                if language_for(name) in languages and not settings.is_excluded(
                    relative_path(file, root)
                ):
                    yield file


def relative_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def read_document(path: Path) -> Document:
    """A Document for a file on disk. Undecodable bytes are replaced, never fatal."""
    raw = path.read_bytes()[:MAX_FILE_BYTES]
    text = raw.decode("utf-8", "replace")
    return Document(path.resolve().as_uri(), text)


def analyze_file(
    path: Path,
    analyzers: Sequence[Analyzer],
    catalogue: Catalogue,
    settings: Settings,
    root: Path | None = None,
) -> tuple[Document, list[Finding]]:
    doc = read_document(path)
    ctx = Context(doc, catalogue, settings, root=root)
    return doc, analyze(ctx, analyzers)
