"""Per-server services (caches, indexes, pools), keyed by their type.

`server.services.get(BaselineCache)` returns the server's one BaselineCache, created on first
use; the type of the result is the type asked for. Analyzers live in the core and cannot
import server types: a service they read is also shared under a name (`name=`) in
`services.shared`, the mapping every analyzer's Context.services is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")


class Services:
    def __init__(self) -> None:
        self._by_type: dict[type[Any], Any] = {}
        # what analyzers see as ctx.services (core/analyzer.Context), by name
        self.shared: dict[str, Any] = {}

    def get(self, cls: type[T], make: Callable[[], T] | None = None, *, name: str | None = None) -> T:
        """The one instance of cls; made by make() (default cls()) the first time.

        name: also share it with analyzers under that name.
        """
        found = self._by_type.get(cls)
        if found is None:
            found = self._by_type[cls] = (make or cls)()
            if name is not None:
                self.shared[name] = found
        return cast(T, found)

    def peek(self, cls: type[T]) -> T | None:
        """The instance of cls if one was made, without making one."""
        return cast("T | None", self._by_type.get(cls))

    def drop(self, cls: type[Any]) -> None:
        """Forget the instance of cls (it is made afresh on next use)."""
        self._by_type.pop(cls, None)
        for key in [k for k, v in self.shared.items() if isinstance(v, cls)]:
            del self.shared[key]
