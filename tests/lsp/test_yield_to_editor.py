"""A style training gives way to the editor: at pause points ~1 ms of work apart, even
inside one file, it waits while a client message or a document's analysis is pending
(scheduling.EditorGate), at most a bounded time, runs at full speed when nothing is, and
learns exactly the model it learns without pausing."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import math
import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from codie.analyzers.style.training import build_model
from codie.lsp.scheduling import GATE_FREE, GATE_LONGEST, EditorGate, Scheduler
from tests.style.test_training_pauses import big_workspace, model_bytes


class FakeClock:
    """The gate's clock: counts its reads, moves only when told."""

    def __init__(self) -> None:
        self.now = 0.0  # (and steps that are binary fractions: exact sums)
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return self.now


def test_an_open_gate_lets_the_work_through_without_reading_the_clock() -> None:
    clock = FakeClock()
    waits: list[float] = []
    gate = EditorGate(clock, lambda timeout: bool(waits.append(timeout)))
    assert all(gate.pause() == 0.0 for _ in range(1000))
    assert waits == [] and clock.reads == 0 and gate.waits == 0


def test_a_shut_gate_waits_until_it_opens() -> None:
    clock = FakeClock()
    gate = EditorGate(clock)

    def analysis_published(timeout: float) -> bool:  # the event loop, while the thread waits
        assert timeout == GATE_LONGEST
        clock.now += 1 / 64
        gate.open.set()
        return True

    gate._wait = analysis_published
    gate.open.clear()  # a keystroke arrived
    assert gate.pause() == 1 / 64
    assert gate.pause() == 0.0 and gate.waits == 1 and gate.timeouts == 0


def test_a_gate_that_stays_shut_delays_the_work_a_bounded_time() -> None:
    """Each wait ends after GATE_LONGEST; then the work runs GATE_FREE seconds without
    waiting: it goes on (at a tenth of its speed at worst), never stops."""
    clock = FakeClock()

    def never_opens(timeout: float) -> bool:
        clock.now += timeout
        return False

    gate = EditorGate(clock, never_opens)
    gate.open.clear()
    waited = []
    unit = 1 / 64  # seconds of work between two pauses
    for _ in range(100):
        waited.append(gate.pause())
        clock.now += unit
    assert max(waited) == GATE_LONGEST
    assert gate.timeouts == gate.waits == sum(w > 0 for w in waited) > 5
    waits_at = [i for i, w in enumerate(waited) if w > 0]
    free_units = math.floor(GATE_FREE / unit)  # the units run without waiting after each
    assert waits_at[0] == 0
    assert all(b - a == free_units + 1 for a, b in itertools.pairwise(waits_at))


def test_a_keystroke_stops_the_training_at_its_next_pause_point(tmp_path: Path) -> None:
    """A keystroke arrives in the middle of the large file's training: the training waits
    at its next pause point (no work between the keystroke and the wait) until the
    keystroke's analysis is published, then goes on at full speed (no more waits), and
    learns the model a training that never waits learns."""
    root = big_workspace(tmp_path)
    clock = FakeClock()
    log: list[str] = []

    def editor(timeout: float) -> bool:  # the keystroke's analysis runs, then publishes
        log.append("wait")
        gate.open.set()
        return True

    gate = EditorGate(clock, editor)
    count = 0

    def pause() -> float:
        nonlocal count
        count += 1
        if count in (40, 200):  # keystrokes, mid-file
            log.append("keystroke")
            gate.open.clear()
        log.append("pause")
        return gate.pause()

    model, _ = build_model(root, pause=pause)
    assert log.count("wait") == 2
    assert "".join(x[0] for x in log if x != "pause") == "kwkw"
    assert log[log.index("keystroke") + 1 :][:2] == ["pause", "wait"]  # at once, nothing between
    assert model_bytes(model) == model_bytes(build_model(root)[0])


def fake_server(pending: list[bool]) -> Any:
    return SimpleNamespace(analyses={}, input_pending=lambda: pending[0])


async def test_the_scheduler_shuts_the_gate_from_an_edit_until_its_analysis_ends() -> None:
    pending = [False]
    scheduler = Scheduler(cast(Any, fake_server(pending)))
    gate = scheduler.gate.open
    assert gate.is_set()
    scheduler.schedule("file:///a.py", edit=True)
    assert not gate.is_set()
    await scheduler._tasks["file:///a.py"]  # (no document: the analysis ends at once)
    await asyncio.sleep(0)  # its done callbacks
    assert gate.is_set()
    scheduler.input_arrived()  # the reading thread read a message
    assert not gate.is_set()
    pending[0] = True  # ... and it waits to be handled
    scheduler.update_gate()
    assert not gate.is_set()
    pending[0] = False
    scheduler.update_gate()
    assert gate.is_set()


async def test_a_closed_document_does_not_keep_the_gate_shut() -> None:
    scheduler = Scheduler(cast(Any, fake_server([False])))
    scheduler.schedule("file:///a.py", edit=True)
    scheduler.forget("file:///a.py")  # closed before its analysis began
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert scheduler.gate.open.is_set()


async def test_the_reader_tells_when_a_message_arrives_and_when_all_are_handled() -> None:
    """lsp/reading.MessageReader: `on_input` on the reading thread as each message is read
    (before the loop has it), `on_handled` on the loop once the messages read are handled
    (after the tasks their handlers started took their first step)."""
    from pygls.io_ import run_async

    from codie.lsp.reading import MessageReader

    raw = b"".join(
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        for body in (json.dumps({"jsonrpc": "2.0", "method": "m", "params": {"n": n}}).encode() for n in range(3))
    )
    reader = MessageReader(io.BytesIO(raw))
    events: list[str] = []
    threads: set[str] = set()

    def on_input() -> None:
        threads.add(threading.current_thread().name)
        events.append("input")

    reader.on_input = on_input
    reader.on_handled = cast(Callable[[], None], lambda: events.append("handled"))

    class Recorder:
        def structure_message(self, data: dict[str, object]) -> object:
            return data

        def handle_message(self, message: dict[str, dict[str, int]]) -> None:
            events.append(f"message {message['params']['n']}")

    reader.start(asyncio.get_running_loop())
    for _ in range(6000):  # every message read ahead before the loop handles one
        if reader._messages == 3:
            break
        await asyncio.sleep(0.01)
    try:
        await asyncio.wait_for(run_async(threading.Event(), reader, Recorder(), None, None), 60)  # type: ignore[arg-type]
    finally:
        reader.close()
    assert threads == {"codie-stdin"}
    assert events == ["input"] * 3 + ["message 0", "message 1", "message 2", "handled"]


async def test_a_retired_gate_stays_open() -> None:
    """After `shutdown` (or the end of input) nothing opens the gate any more: a training
    still running, which the thread pool's shutdown waits for, must not wait there."""
    scheduler = Scheduler(cast(Any, fake_server([True])))
    scheduler.input_arrived()
    assert not scheduler.gate.open.is_set()
    scheduler.gate.retire()
    scheduler.input_arrived()  # (the exit notification, read)
    scheduler.schedule("file:///a.py", edit=True)
    scheduler.update_gate()  # (input pending)
    assert scheduler.gate.open.is_set() and scheduler.gate.pause() == 0.0
    await scheduler._tasks["file:///a.py"]
