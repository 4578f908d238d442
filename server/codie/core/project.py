"""Files of a project for the callers that want one file's findings without presenting them
(the LLM commands, the call graph, style training): a face over core/files.py and
core/pipeline.py, so that they walk and read exactly as every door does."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from codie.core.analyzer import Analyzer, Mode
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.files import (
    ANALYSED_LANGUAGES,
    MAX_FILE_BYTES,
    SourceProblem,
    read_source,
    relative_path,
    walk,
)
from codie.core.findings import Finding
from codie.core.pipeline import Inputs, analyse
from codie.core.rules import Catalogue

__all__ = ["ANALYSED_LANGUAGES", "MAX_FILE_BYTES", "analyze_file", "iter_files", "read_document", "relative_path"]


def iter_files(
    paths: Sequence[Path], settings: Settings, root: Path, languages: set[str] | None = None
) -> Iterator[Path]:
    """The one walker (core/files.walk): .gitignore and `exclude` honoured."""
    return walk(paths, root, settings, frozenset(languages or {"python"}))


def read_document(path: Path) -> Document:
    """A Document for a file on disk (ValueError: too large, binary or undecodable)."""
    text = read_source(path)
    if isinstance(text, SourceProblem):
        raise ValueError(text.message)
    return Document(path.resolve().as_uri(), text)


def analyze_file(
    path: Path,
    analyzers: Sequence[Analyzer],
    catalogue: Catalogue,
    settings: Settings,
    root: Path | None = None,
) -> tuple[Document, list[Finding]]:
    doc = read_document(path)
    inputs = Inputs(analyzers, catalogue, settings, root, mode=Mode.HEADLESS)
    return doc, analyse(doc, inputs).findings()
