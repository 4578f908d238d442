"""The keystroke path's scheduling: the cyclic GC waits while a version is analysed and
published (a collection inside that window delayed its diagnostics), and is back on once
they are out, whatever ends the analysis (published, closed meanwhile)."""

from __future__ import annotations

import asyncio
import gc

import pytest

from codie.lsp.scheduling import GcPause
from codie.lsp.server import build_server

TEXT = "def apply_discount(expression):\n    return eval(input(expression))\n" + "x = 1\n" * 400


@pytest.fixture(autouse=True)
def _gc_back_on() -> object:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()


def test_gc_pause_nests_and_leaves_a_gc_someone_else_turned_off_alone() -> None:
    pause = GcPause()
    gc.enable()
    pause.hold()
    pause.hold()
    assert not gc.isenabled()
    pause.release()
    assert not gc.isenabled()  # another analysis still holds it
    pause.release()
    assert gc.isenabled() and pause.holders == 0
    gc.disable()  # e.g. a bulk load that turned it off itself
    pause.hold()
    pause.release()
    assert not gc.isenabled()


async def test_the_gc_is_held_until_the_publish_and_released_after() -> None:
    server = build_server()
    uri = "file:///tmp/codie-keystroke-path/shop.py"
    seen: list[tuple[bool, int]] = []
    publish = server.publish

    def spy(u: str) -> None:
        seen.append((gc.isenabled(), server.scheduler.gc_pause.holders))
        publish(u)

    server.publish = spy  # type: ignore[method-assign,assignment]
    server.protocol.notify_params_text = lambda method, params: None  # type: ignore[method-assign]
    gc.enable()
    server.open_document(uri, TEXT, 1, "python")
    analysis = await asyncio.wait_for(server.settled(uri), 60)
    assert analysis is not None and not analysis.pending
    assert seen and seen[0] == (False, 1)  # analysed and published with the GC held
    assert gc.isenabled() and server.scheduler.gc_pause.holders == 0
    assert "SEC001" in {f.rule_id for f in server.visible_findings(analysis)}


async def test_closing_a_document_mid_analysis_gives_the_gc_back() -> None:
    server = build_server()
    uri = "file:///tmp/codie-keystroke-path/closed.py"
    server.protocol.notify_params_text = lambda method, params: None  # type: ignore[method-assign]
    gc.enable()
    steps = 0
    server.open_document(uri, TEXT, 1, "python")
    analysis = server.analyses[uri]
    step = analysis.step

    def one_step(budget: float = 0.005) -> bool:
        nonlocal steps
        steps += 1
        step(0.0)  # never done within the first step: the task awaits between steps
        return False

    analysis.step = one_step  # type: ignore[method-assign]
    for _ in range(1000):
        await asyncio.sleep(0)
        if steps:
            break
    assert steps and not gc.isenabled()  # held between the steps of one analysis
    server.close_document(uri)  # cancels the analysis task
    for _ in range(10):
        await asyncio.sleep(0)
    assert gc.isenabled() and server.scheduler.gc_pause.holders == 0
