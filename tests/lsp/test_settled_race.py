"""`settled()` (what pull diagnostics, code actions and hover wait on) returns only a
current analysis. A settings reload that invalidates the analysis after it finished but
before the waiter resumed used to let the waiter answer from the empty, pending analysis:
Neovim (pull diagnostics, no refresh support) then showed no findings until the next edit."""

from __future__ import annotations

import asyncio

from codie.lsp.server import build_server

TEXT = "def apply_discount(expression):\n    return eval(input(expression))\n"


async def test_settled_waits_again_when_a_reload_invalidates_the_finished_analysis() -> None:
    server = build_server()
    server.pull_diagnostics = True  # the client pulls: publish() sends nothing
    uri = "file:///tmp/codie-settled-race/shop.py"
    scheduler = server.scheduler
    after_idle = scheduler._schedule_deferred  # runs right after the idle event is set
    reloads: list[bool] = []

    def reload_once(u: str) -> None:
        # a settings reload landing between the idle event and the waiter resuming
        # (what Scheduler._reconfigure_now does to each open document)
        if not reloads:
            reloads.append(True)
            server.analyses[u].invalidate()
            scheduler.schedule(u)
        after_idle(u)

    scheduler._schedule_deferred = reload_once  # type: ignore[method-assign]
    server.open_document(uri, TEXT, 1, "python")
    analysis = await asyncio.wait_for(server.settled(uri), 60)
    assert reloads == [True]
    assert analysis is not None and not analysis.pending
    assert "SEC001" in {f.rule_id for f in server.visible_findings(analysis)}
