"""A style training gives way to typing: between its units of work (a file, a binding's
ranking) it waits while an edit is recent, at most a bounded time per unit, and learns
exactly the model it learns without waiting."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, cast

from codie.analyzers.style.training import build_model, refresh_model
from codie.lsp.scheduling import TYPING, YIELD_LONGEST, YIELD_POLL, Scheduler, wait_while_typing
from tests.style.test_model import snapshot
from tests.style.workspace import make_workspace


class FakeClock:
    """time.monotonic and time.sleep for wait_while_typing, without waiting."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_no_wait_when_the_last_edit_is_old() -> None:
    clock = FakeClock(100.0)
    assert wait_while_typing(lambda: 100.0 - TYPING - 0.01, clock, clock.sleep) == 0.0
    assert clock.sleeps == []


def test_waits_until_the_last_edit_is_typing_seconds_old() -> None:
    clock = FakeClock(100.0)
    last_edit = 100.0 - 0.2  # 0.2 s ago: still typing
    waited = wait_while_typing(lambda: last_edit, clock, clock.sleep)
    assert clock.now - last_edit >= TYPING  # it returned only once the edit was old enough
    assert clock.now - last_edit < TYPING + YIELD_POLL + 1e-9  # and not a poll later
    assert waited == sum(clock.sleeps) > 0


def test_typing_that_never_stops_delays_each_unit_a_bounded_time() -> None:
    clock = FakeClock(100.0)
    waited = wait_while_typing(lambda: clock.now, clock, clock.sleep)  # an edit every instant
    assert YIELD_LONGEST <= waited < YIELD_LONGEST + YIELD_POLL + 1e-9


def test_a_training_that_pauses_learns_the_same_model(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", copies=3).resolve()
    calls: list[int] = []
    paused, _ = build_model(root, pause=lambda: calls.append(1))
    plain, _ = build_model(root)
    files = len(plain.files)
    assert len(calls) > files  # every file, every margin file, every ranked binding
    assert snapshot(paused) == snapshot(plain) and paused.margins == plain.margins


def test_refresh_pauses_between_changed_files(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", copies=2).resolve()
    db_path = tmp_path / "s.db"
    refresh_model(root, db_path)
    changed = sorted(root.rglob("*.py"))[:2]
    for path in changed:
        path.write_bytes(path.read_bytes() + b"\nanother_value = 2\n")
    calls: list[int] = []
    refreshed = refresh_model(root, db_path, pause=lambda: calls.append(1))
    assert len(calls) >= len(changed)
    assert snapshot(refreshed) == snapshot(build_model(root)[0])


def test_the_scheduler_waits_while_its_last_activity_is_recent() -> None:
    """The real clock: last_activity is the event loop's time, which asyncio takes from
    time.monotonic, the clock wait_while_typing reads by default."""
    loop = asyncio.new_event_loop()
    try:
        scheduler = Scheduler(cast(Any, None))
        scheduler.last_activity = loop.time() + 3600.0  # "typing" for the next hour
        assert scheduler.yield_to_editor() >= YIELD_LONGEST  # waited, and stopped at the bound
        scheduler.last_activity = loop.time() - 10 * TYPING  # the last edit long ago
        assert scheduler.yield_to_editor() == 0.0
    finally:
        loop.close()
