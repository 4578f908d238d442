"""Which tests to run for an edited module: by imports, then by naming.

A test file is related to `pkg/mod.py` when it imports `pkg.mod` (or `from pkg import
mod`, or anything from it), or when it is named test_mod.py / mod_test.py. An edited test
file is related to itself.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

from codie.sandbox.base import SKIP_NAMES


def is_test_file(path: Path) -> bool:
    return path.suffix == ".py" and (path.name.startswith("test_") or path.stem.endswith("_test"))


def test_files(root: Path) -> Iterator[Path]:
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.name in SKIP_NAMES or entry.name.startswith("."):
                continue
            if entry.is_dir() and not entry.is_symlink():
                stack.append(entry)
            elif is_test_file(entry):
                yield entry


def module_names(path: Path, root: Path) -> set[str]:
    """Dotted names `path` may be imported as (from the root and from a src/ layout)."""
    rel = path.resolve().relative_to(root.resolve()).with_suffix("")
    parts = list(rel.parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    names = {".".join(parts[i:]) for i in range(len(parts)) if parts[i:]}
    return {n for n in names if n}


def imported_modules(source: str) -> set[str]:
    """Every dotted module a file imports, including `from pkg import mod` as pkg.mod."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def related_tests(root: Path, edited: Iterable[Path]) -> tuple[list[Path], str]:
    """(test files, how they were chosen) for the edited files."""
    edited = [p.resolve() for p in edited]
    chosen: dict[Path, str] = {}
    targets: set[str] = set()
    for path in edited:
        if is_test_file(path):
            chosen[path] = "edited"
        elif path.suffix == ".py":
            try:
                targets |= module_names(path, root)
            except ValueError:
                continue
    stems = {p.stem for p in edited if not is_test_file(p)}
    for test in test_files(root):
        if test.resolve() in chosen:
            continue
        try:
            source = test.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if targets & imported_modules(source):
            chosen[test.resolve()] = "imports"
        elif test.stem.removeprefix("test_").removesuffix("_test") in stems:
            chosen[test.resolve()] = "naming"
    how = sorted(set(chosen.values()))
    return sorted(chosen), ", ".join(how) if how else "no related test"
