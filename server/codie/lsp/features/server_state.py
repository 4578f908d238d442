"""codie/serverState: what the server holds, for tests, benchmarks and bug reports.

Open and refused documents, versions superseded by coalescing, and the pids of the pools'
children (asking for a pid runs a trivial call in the pool, so a dead child is replaced).
"""

from __future__ import annotations

from typing import Any

from codie.lsp.features.code_lens import metrics_service
from codie.lsp.features.workspace_diagnostics import WorkspaceScan
from codie.lsp.server import CodieServer

SERVER_STATE = "codie/serverState"


def register(server: CodieServer) -> None:
    @server.feature(SERVER_STATE)
    async def server_state(ls: CodieServer, params: Any) -> dict[str, Any]:
        scan = ls.services.peek(WorkspaceScan)
        metrics = metrics_service(ls)
        return {
            "documents": sorted(ls.analyses),
            "refused": sorted(ls.refused),
            "superseded": ls.scheduler.superseded,
            "metricsCached": sorted(metrics.cache),
            "pools": {
                "metrics": await metrics.pool.pid(),
                "workspace": await scan.pool.pid() if scan and scan.pool else None,
            },
            "poolsReplaced": {
                "metrics": metrics.pool.replaced,
                "workspace": scan.pool.replaced if scan and scan.pool else 0,
            },
        }
