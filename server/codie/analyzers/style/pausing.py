"""Pause points for style work that runs in a background thread (a training in the
language server's thread pool).

A `Pause` is called every ~1 ms of CPU of that work, from the thread doing it: the
language server's waits there while the editor needs the event loop
(Scheduler.yield_to_editor), as pure-Python work holds the GIL. The layers below the
training (tokens, scopes, conventions, the n-gram counts, the store, the model) take an
optional one; without it their work is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
Pause = Callable[[], object]  # (what it returns is ignored: the scheduler says how long it waited)


def every(items: Iterable[T], pause: Pause | None, n: int) -> Iterable[T]:
    """`items`, with pause() called before the first and then before every n-th; `items`
    itself when there is no pause (the foreground's path: no generator in between)."""
    return items if pause is None else _every(items, pause, n)


def _every(items: Iterable[T], pause: Pause, n: int) -> Iterator[T]:
    countdown = 1
    for item in items:
        countdown -= 1
        if not countdown:
            countdown = n
            pause()
        yield item
