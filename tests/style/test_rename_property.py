"""Renaming any local or parameter of real code leaves no occurrence behind (per symtable)."""

from __future__ import annotations

import symtable
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

from codie.analyzers.style.scopes import build
from codie.core.document import Document

STDLIB = Path(sysconfig.get_paths()["stdlib"])
FILES = [*sorted((STDLIB / "json").glob("*.py")), STDLIB / "http" / "cookiejar.py"]


def _tables(table: symtable.SymbolTable) -> Iterator[symtable.SymbolTable]:
    yield table
    for child in table.get_children():
        yield from _tables(child)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_local_rename_is_complete(path: Path) -> None:
    source = path.read_bytes()
    doc = Document(path.as_uri(), source)
    assert doc.tree is not None
    checked = 0
    for binding in build(doc.source, doc.tree.root_node).bindings():
        node = binding.scope.node
        if binding.kind not in ("variable", "parameter") or node.type != "function_definition":
            continue
        new = "zz_" + binding.name
        out = bytearray(source)
        for start, end in sorted(set(binding.occurrences), reverse=True):
            out[start:end] = new.encode()
        text = out.decode()
        compile(text, str(path), "exec")  # still valid Python
        name_node = node.child_by_field_name("name")
        assert name_node is not None
        (table,) = [
            t
            for t in _tables(symtable.symtable(text, str(path), "exec"))
            if t.get_type() == "function"
            and t.get_lineno() == node.start_point.row + 1
            and t.get_name() == doc.node_text(name_node)
        ]
        symbols = set(table.get_identifiers())
        assert new in symbols and binding.name not in symbols, (binding.name, table.get_name())
        checked += 1
    assert checked > 10
