"""Jupyter notebooks: code cells analysed as one module, findings mapped back to cells.

The module is the code cells joined by "\\n". IPython syntax (`%magic`, `!shell`, `%%cell`
magics, `obj?`) is masked byte for byte with blanks, so every byte offset of the module is
the same byte of its cell: mapping back is a subtraction. A finding is shown in the cell
where it starts; its fix is kept only when every edit stays inside that cell and outside
masked text, so a fix never deletes, merges or spills into cells.
"""

from __future__ import annotations

import dataclasses
import json
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codie.core.document import Document
from codie.core.findings import Finding

MAGIC_LINE = re.compile(rb"^[ \t]*(?:%[A-Za-z%]|![^=]|[\w.]+\?{1,2}[ \t]*$)", re.MULTILINE)
PYTHON_CELL_MAGICS = (b"%%time", b"%%timeit", b"%%capture", b"%%prun")


def mask(source: bytes) -> tuple[bytes, list[tuple[int, int]]]:
    """The cell with IPython syntax blanked out (same length), and the masked spans."""
    spans: list[tuple[int, int]] = []
    if source.lstrip().startswith(b"%%"):
        first_end = source.find(b"\n")
        first_end = len(source) if first_end < 0 else first_end
        if not source.lstrip().startswith(PYTHON_CELL_MAGICS):
            first_end = len(source)  # %%bash, %%html...: not Python at all
        spans.append((0, first_end))
    for m in MAGIC_LINE.finditer(source):
        end = source.find(b"\n", m.start())
        spans.append((m.start(), len(source) if end < 0 else end))
    if not spans:
        return source, []
    out = bytearray(source)
    for lo, hi in spans:
        for i in range(lo, hi):
            if out[i] not in (0x0A, 0x0D):
                out[i] = 0x20
    return bytes(out), sorted(spans)


@dataclass
class CellMap:
    """Where each code cell lives in the module: cell i is bytes [starts[i], ends[i])."""

    uris: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    masked: list[list[tuple[int, int]]] = field(default_factory=list)

    def cell_of(self, offset: int) -> int:
        return max(0, bisect_right(self.starts, offset) - 1)

    def index(self, uri: str) -> int:
        return self.uris.index(uri)


def build_module(cells: Sequence[tuple[str, bytes]]) -> tuple[bytes, CellMap]:
    """The module of (uri, source) code cells, and the map back to them."""
    parts: list[bytes] = []
    cmap = CellMap()
    offset = 0
    for uri, source in cells:
        masked, spans = mask(source)
        cmap.uris.append(uri)
        cmap.starts.append(offset)
        cmap.ends.append(offset + len(source))
        cmap.masked.append(spans)
        parts.append(masked)
        offset += len(source) + 1
    return b"\n".join(parts), cmap


def cell_findings(findings: Sequence[Finding], cmap: CellMap, i: int) -> list[Finding]:
    """The module's findings that start in cell i, in the cell's own offsets."""
    lo, hi = cmap.starts[i], cmap.ends[i]
    out = []
    for f in findings:
        if not lo <= f.start <= hi or (f.start == hi and hi > lo and f.end > hi):
            continue
        moved = f.shifted(0, -lo)
        end = min(moved.end, hi - lo)
        fix = moved.fix
        if fix is not None and not all(
            0 <= e.start <= e.end <= hi - lo and not any(s < e.end and e.start < t for s, t in cmap.masked[i])
            for e in fix.edits
        ):
            fix = None
        related = tuple(r for r in moved.related if r.uri is not None or 0 <= r.start <= r.end <= hi - lo)
        out.append(dataclasses.replace(moved, end=end, fix=fix, related=related, data={**moved.data, "cell": i}))
    return out


def read_notebook(path: Path) -> list[str]:
    """The source of each code cell of an .ipynb file (ValueError when it is not one)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a notebook: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValueError('not a notebook: no "cells" list')
    language = (data.get("metadata", {}).get("kernelspec", {}) or {}).get("language", "python")
    if language not in (None, "python"):
        return []
    sources = []
    for cell in data["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        sources.append("".join(source) if isinstance(source, list) else str(source))
    return sources


def notebook_documents(path: Path) -> tuple[Document, list[Document], CellMap]:
    """The module document of a notebook file and one document per code cell."""
    sources = read_notebook(path)
    base = path.resolve().as_uri()
    cells = [Document(f"{base}#cell{n}", text, language="python") for n, text in enumerate(sources, 1)]
    source, cmap = build_module([(c.uri, c.source) for c in cells])
    return Document(base, source, language="python"), cells, cmap
