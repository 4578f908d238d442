"""The insight features (one registry line): the codeLens fan-out with metrics lenses and
hover, call hierarchy with `codie/callGraph`, and `codie/hotspots`."""

from __future__ import annotations

from codie.lsp.features import call_hierarchy, code_lens, hotspots
from codie.lsp.server import CodieServer


def register(server: CodieServer) -> None:
    code_lens.register(server)
    call_hierarchy.register(server)
    hotspots.register(server)
