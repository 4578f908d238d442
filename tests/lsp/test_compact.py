"""lsp/compact.py: the attrs-generated methods of lsprotocol's classes keep working once
their globals are cut down to the names their code loads."""

from __future__ import annotations

import linecache
from typing import Any

import attrs
from lsprotocol import types
from lsprotocol.converters import get_converter

from codie.lsp.compact import GENERATED, compact_generated_methods, drop_generated_sources


def attrs_classes() -> list[type[Any]]:
    return [c for c in vars(types).values() if isinstance(c, type) and "__attrs_attrs__" in c.__dict__]


def test_every_generated_method_still_finds_its_globals() -> None:
    compact_generated_methods(types)  # again: what build_server did (idempotent)
    built = 0
    for cls in attrs_classes():
        try:  # None everywhere: validators run (and may refuse), never a NameError
            one = cls(**{f.alias: None for f in attrs.fields(cls) if f.init})
        except NameError:
            raise
        except (TypeError, ValueError):
            continue
        built += 1
        repr(one)
        assert one == cls(**{f.alias: None for f in attrs.fields(cls) if f.init})
        if cls.__hash__ is not None:
            hash(one)
    assert built > 100


def test_the_globals_are_small_and_messages_round_trip() -> None:
    compact_generated_methods(types)
    init = types.Diagnostic.__init__
    assert "__builtins__" in init.__globals__ and len(init.__globals__) < 30  # was ~340
    converter = get_converter()
    diagnostic = types.Diagnostic(
        range=types.Range(types.Position(1, 2), types.Position(3, 4)),
        message="m",
        severity=types.DiagnosticSeverity.Warning,
        code="SEC001",
        data={"confidence": 0.9},
    )
    raw = converter.unstructure(diagnostic)
    assert raw["range"]["start"] == {"line": 1, "character": 2}
    assert converter.structure(raw, types.Diagnostic) == diagnostic
    params = converter.structure(
        {"processId": 1, "rootUri": None, "capabilities": {"window": {"workDoneProgress": True}}},
        types.InitializeParams,
    )
    assert params.capabilities.window is not None and params.capabilities.window.work_done_progress


def test_a_module_namespace_is_never_cleared() -> None:
    import types as pytypes

    module = pytypes.ModuleType("m")
    exec("import attrs\n@attrs.define\nclass A:\n    x: int = 1\n", vars(module))
    compact_generated_methods(module)
    assert "attrs" in vars(module) and module.A() == module.A(1)


def test_generated_sources_leave_linecache() -> None:
    attrs.make_class("Fresh", ["a"])  # files one more generated source
    assert any(str(name).startswith(GENERATED) for name in linecache.cache)
    assert drop_generated_sources() >= 1
    assert not any(str(name).startswith(GENERATED) for name in linecache.cache)
