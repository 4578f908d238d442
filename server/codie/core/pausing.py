"""Pause points for work that runs in a background thread of the language server (a style
training, the file metrics, in its thread pool).

A `Pause` is called every ~1 ms of CPU of that work, from the thread doing it: the
language server's waits there while the editor needs the event loop
(lsp/scheduling.EditorGate), as pure-Python work holds the GIL. The layers below such a
job (the style model's tokens, scopes, conventions, n-gram counts, store and model; the
metrics' walks) take an optional one; without it their work is unchanged (headless runs).
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
