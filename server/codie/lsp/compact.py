"""Start-up: shrink what attrs keeps for the methods it generates for lsprotocol's classes.

For each of lsprotocol's ~560 attrs classes, attrs compiles `__init__`, `__eq__`,
`__repr__`, ... with a globals dict of their own: a copy of the module's namespace as it
was when the class was defined (up to ~500 names: every class defined before it) plus
the class's validators and defaults. Those dicts hold ~4 MiB of RSS in all
(O(classes²)), though each method reads only the few names its code names. attrs also
files each generated source in `linecache` (for tracebacks into generated code).

compact_generated_methods() keeps, in each such dict, the names the methods' code can
load (their `co_names`, nested code included) and `__builtins__`: the dict stays the same
object, so the functions see the same globals, minus names they never look up. It runs
once, while nothing else runs (build_server, before the server's threads start): between
`clear()` and `update()` a method of that class would see no globals.
"""

from __future__ import annotations

import linecache
from types import CodeType, FunctionType, ModuleType
from typing import Any

GENERATED = "<attrs generated"  # how attrs names the file of the code it generates


def _names(code: CodeType, into: set[str]) -> None:
    into.update(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            _names(const, into)


def compact_generated_methods(module: ModuleType) -> int:
    """Shrink the globals of the attrs-generated methods of module's classes (see the
    module docstring); return how many dicts were shrunk."""
    namespace = vars(module)
    shrunk = 0
    for cls in list(namespace.values()):
        if not isinstance(cls, type) or "__attrs_attrs__" not in cls.__dict__:
            continue
        wanted: dict[int, tuple[dict[str, Any], set[str]]] = {}
        for value in cls.__dict__.values():
            if isinstance(value, FunctionType) and value.__code__.co_filename.startswith(GENERATED):
                found = value.__globals__
                if found is namespace:  # never a module's own namespace
                    continue
                names = wanted.setdefault(id(found), (found, {"__builtins__"}))[1]
                _names(value.__code__, names)
        for found, names in wanted.values():
            kept = {name: found[name] for name in names if name in found}
            if len(kept) < len(found):
                found.clear()  # a new, small table (deleting keys would keep the big one)
                found.update(kept)
                shrunk += 1
    return shrunk


def drop_generated_sources() -> int:
    """Forget the sources attrs filed in linecache for its generated code (a traceback
    through a generated method then shows no source line for it); return how many."""
    names = [name for name in linecache.cache if isinstance(name, str) and name.startswith(GENERATED)]
    for name in names:
        linecache.cache.pop(name, None)
    return len(names)
