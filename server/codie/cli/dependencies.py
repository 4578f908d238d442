"""The dependency commands: `codie advisories`, `codie import-snyk` and `codie sbom`."""

from __future__ import annotations

import argparse

from codie.cli import advisories, sbom, snyk


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    advisories.register(sub)
    snyk.register(sub)
    sbom.register(sub)
