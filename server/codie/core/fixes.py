"""Turning a Fix into concrete edits against the current document."""

from __future__ import annotations

import re

from codie.core.document import Document
from codie.core.findings import Fix, TextEdit


def fix_edits(doc: Document, fix: Fix) -> list[TextEdit]:
    """The fix's edits plus an import for each module it needs that is not imported yet."""
    edits = list(fix.edits)
    for module in fix.imports:
        edits.extend(import_edit(doc, module))
    return sorted(edits, key=lambda e: (e.start, e.end))


def import_edit(doc: Document, module: str) -> list[TextEdit]:
    """An edit adding `import module` after the module's leading imports, unless present."""
    if re.search(rb"^[ \t]*import[ \t]+" + re.escape(module.encode()) + rb"\b", doc.source, re.M):
        return []
    if doc.tree is None:
        return []
    offset = 0
    for child in doc.tree.root_node.children:
        is_docstring = (
            child.type == "expression_statement" and child.named_children and child.named_children[0].type == "string"
        )
        leading = child.type in ("import_statement", "import_from_statement", "future_import_statement", "comment")
        if leading or (is_docstring and offset == 0):
            offset = child.end_byte
            continue
        break
    if offset == 0:
        return [TextEdit(0, 0, f"import {module}\n")]
    return [TextEdit(offset, offset, f"\nimport {module}")]


def minimal_edit(old: str, new: str) -> TextEdit:
    """One edit replacing only the changed middle of the document (byte offsets)."""
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    start = len(old[:prefix].encode("utf-8", "surrogatepass"))
    end = len(old[: len(old) - suffix].encode("utf-8", "surrogatepass"))
    return TextEdit(start, end, new[prefix : len(new) - suffix])
