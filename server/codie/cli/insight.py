"""The insight commands (one registry line): `codie callgraph` and `codie hotspots`."""

from __future__ import annotations

import argparse

from codie.cli import callgraph, hotspots


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    callgraph.register(sub)
    hotspots.register(sub)
