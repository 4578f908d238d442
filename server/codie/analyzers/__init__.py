"""The analyzer registry: one line per plug-in module.

Each module listed here exposes `analyzers() -> list[Analyzer]`.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing the package stays light: a pool's child imports one module of it
    from codie.core.analyzer import Analyzer

MODULES = (
    "codie.analyzers.syntax",
    "codie.analyzers.quality",
    "codie.analyzers.config",
    "codie.analyzers.dependencies",
    "codie.analyzers.style",
    "codie.analyzers.runtime",
    "codie.analyzers.complexity",
    "codie.analyzers.security",
)


@cache
def registered() -> tuple[Analyzer, ...]:
    found: list[Analyzer] = []
    for name in MODULES:
        found.extend(importlib.import_module(name).analyzers())
    return tuple(found)
