"""codie/serverState: what the server holds, for tests, benchmarks and bug reports.

Open and refused documents, versions superseded by coalescing, and the pids of the pools'
children running now (null when none runs: a pool starts its child on first use and stops
it when idle, lsp/children.py; asking starts nothing), with how often each was replaced
after a child died and stopped for being idle.
`held` counts the entries of every per-document structure (a test asserts they return to
their size after open/edit/close cycles); `callGraph` is each folder's index, and `settled`
says no analysis, deferred analyzer, call-graph update or style training is pending (the
soak benchmark and the drift test compare findings only then); `gcHolds` how many hold
the cyclic GC off now (an analysis in progress, a pull's answer not yet written).
"""

from __future__ import annotations

from typing import Any

from codie.lsp.features.code_lens import metrics_service
from codie.lsp.features.style import style_training
from codie.lsp.features.workspace_diagnostics import WorkspaceScan
from codie.lsp.llm_support import LLMState
from codie.lsp.server import CodieServer
from codie.lsp.workspace_graph import WorkspaceGraphs

SERVER_STATE = "codie/serverState"


def register(server: CodieServer) -> None:
    @server.feature(SERVER_STATE)
    async def server_state(ls: CodieServer, params: Any) -> dict[str, Any]:
        scan = ls.services.peek(WorkspaceScan)
        metrics = metrics_service(ls)
        graphs = ls.services.peek(WorkspaceGraphs)
        llm = ls.services.peek(LLMState)
        held = {
            "analyses": len(ls.analyses),
            "refused": len(ls.refused),
            **ls.scheduler.held(),
            "metricsCache": len(metrics.cache),
            "metricsTimers": len(metrics.timers),
            "metricsTasks": len(metrics.tasks),
            "llmTasks": len(llm.tasks) if llm else 0,
            "llmProposals": len(llm.proposals) if llm else 0,
            # handler futures pygls holds: the requests in flight (this one among them)
            "handlerFutures": len(ls.protocol._request_futures),
        }
        return {
            "held": held,
            "callGraph": graphs.state() if graphs else {"folders": {}},
            "settled": not ls.scheduler.busy() and (graphs is None or graphs.settled()) and not style_training(ls),
            "documents": sorted(ls.analyses),
            "refused": sorted(ls.refused),
            "superseded": ls.scheduler.superseded,
            # holders of the GC pause now (lsp/scheduling.py GcPause): 0 between keystrokes
            "gcHolds": ls.scheduler.gc_pause.holders,
            "metricsCached": sorted(metrics.cache),
            "metricsComputed": metrics.computed,
            "pools": {
                "workspace": scan.pool.pid() if scan and scan.pool else None,
                "callgraph": graphs.pool.pid() if graphs else None,
            },
            "poolsReplaced": {
                "workspace": scan.pool.replaced if scan and scan.pool else 0,
            },
            "poolsStopped": {
                "workspace": scan.pool.stopped_idle if scan and scan.pool else 0,
            },
        }
