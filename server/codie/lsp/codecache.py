"""Start-up: the code that attrs generates for lsprotocol's classes, compiled once.

`import lsprotocol.types` defines about 560 attrs classes; for each, attrs writes the
source of `__init__`, `__eq__`, `__repr__`, ... and `compile()`s it, which is a third of
that import and of the time before the server can answer `initialize`. A code object
depends only on its source, its file name and the interpreter, so `cached_compiles()`
gives the generating module a `compile` that looks the pair up in a file of marshalled
code objects, one per interpreter version, in the user's cache directory. A miss
compiles as usual; a missing, stale or unreadable file only means compiling again.

This module imports only the standard library (and core.cachedir, which does too): it
runs before pygls and lsprotocol.
"""

from __future__ import annotations
import __future__

import builtins
import contextlib
import logging
import marshal
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

from codie.core.cachedir import user_cache_dir

log = logging.getLogger(__name__)

# Rewrite the file only when this many scripts were missing (a new attrs or lsprotocol):
# one class whose source differs on every start must not rewrite it on every start.
REWRITE_AFTER = 16
Key = tuple[str, str, int]  # (file name, source, future flags)


class CodeCache:
    """(file name, source) -> code object, read from and written to one marshal file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.known: dict[Key, CodeType] = {}
        self.used: dict[Key, CodeType] = {}
        self.misses = 0
        with contextlib.suppress(OSError, EOFError, ValueError, TypeError):
            loaded = marshal.loads(path.read_bytes())
            if isinstance(loaded, dict):
                self.known = {
                    k: v for k, v in loaded.items() if isinstance(k, tuple) and len(k) == 3 and isinstance(v, CodeType)
                }

    def compile(self, source: Any, filename: Any, mode: str, *args: Any, flags: int = 0, **kwargs: Any) -> Any:
        """builtins.compile, memoised for the plain `compile(str, str, "exec")` calls.
        `flags`: the `from __future__` flags of the module that calls (compiled with
        dont_inherit, so that the code is what that module's own call would give)."""
        if args or kwargs or mode != "exec" or not isinstance(source, str) or not isinstance(filename, str):
            return builtins.compile(source, filename, mode, *args, **kwargs)
        key = (filename, source, flags)
        code = self.known.get(key)
        if code is None:
            code = builtins.compile(source, filename, mode, flags, dont_inherit=True)
            self.misses += 1
        self.used[key] = code
        return code

    def compile_for(self, module: ModuleType) -> Callable[..., Any]:
        """A `compile` for module's globals, with the future statements module has."""
        flags = 0
        for value in vars(module).values():
            if isinstance(value, __future__._Feature):
                flags |= value.compiler_flag

        def compile(source: Any, filename: Any, mode: str, *args: Any, **kwargs: Any) -> Any:
            return self.compile(source, filename, mode, *args, flags=flags, **kwargs)

        return compile

    def save(self) -> None:
        """Write what this process used, if much of it was missing (atomic: a concurrent
        start reads the old file or the new one, never half of one)."""
        if self.misses < REWRITE_AFTER:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".code-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    marshal.dump(self.used, f)
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:  # a read-only home: the next start compiles again
            log.debug("cannot write the code cache %s: %s", self.path, exc)


def default_path() -> Path:
    return user_cache_dir() / f"code-{sys.implementation.cache_tag}-{sys.hexversion:x}.marshal"


@contextlib.contextmanager
def cached_compiles(*modules: str, path: Path | None = None) -> Iterator[CodeCache]:
    """Within the block, `compile` in each named module (imported here) is memoised."""
    cache = CodeCache(path or default_path())
    patched: list[ModuleType] = []
    try:
        for name in modules:
            try:
                module = __import__(name, fromlist=["_"])
            except ImportError:
                continue
            if "compile" not in vars(module):  # it calls the builtin: shadow it, then restore
                module.compile = cache.compile_for(module)  # type: ignore[attr-defined]
                patched.append(module)
        yield cache
    finally:
        for module in patched:
            with contextlib.suppress(AttributeError):
                del module.compile
    cache.save()
