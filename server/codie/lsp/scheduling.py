"""When analysis runs: per-document tasks, edit coalescing, deferred analyzers, reload
coalescing and quiet detection. Nothing here blocks the event loop for long.

Coalescing: a burst of edits (a paste typed out by a tool, a macro, an editor replaying
changes) must not analyse and publish every intermediate version, or the server falls
behind and the client blocks writing to it. Only the newest version is analysed; a version
that a newer one supersedes before its analysis finished gets no diagnostics of its own.
An isolated keystroke is analysed at once (no debounce delay for normal typing).
A client that pulls asks for the version it wants: a pull waiting for the document ends
the burst's wait (the newest version is analysed at once, as for an isolated keystroke).
Such a client pulls after every edit and cancels the pull in flight when it edits again
(vscode-languageclient 9), so only its last pull of a burst is answered; waiting BURST_GAP
after its last edit delayed that answer by BURST_GAP (bench/editor_bench.py typingpull at
a 10 ms pace: 30 of ~50 ms). A push client, which asks for nothing, keeps the wait.

Progressive first publish: a document just opened shows its per-statement analyzers'
findings as soon as they are done (server.publish_partial, once per version), then the
complete set once the whole-file passes are done too. Until its first complete publish
only: after that an edit keeps the whole-file findings shown (moved with the text) and
publishes once, complete, as before. Only documents of PROGRESSIVE_BYTES or more: on a
smaller one the whole-file passes take a few ms, and a second publish would only make
the editor draw twice. (A size, not a time: what a client receives does not depend on
how busy the machine is.)

The cyclic garbage collector waits while a version is analysed and published
(`GcPause`): a collection that lands inside a keystroke's window (a full one costs 20+ ms
on a large file) delays its diagnostics; once they are written, the collections that
came due run at the next allocation, between keystrokes. Nothing is kept longer than
one analysis. For a client that pulls, the window ends when the pull's answer is written,
not at the (empty) publish: the analysis hands its hold over to the pulls waiting for it
(`Scheduler.answering`), which keep it until their answers are written.

Background threads (a style training) give way to the editor at their pause points
(`EditorGate`): shut from a client message's arrival or an edit until the analysis it
started is published, open between keystrokes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from codie.core.engine import DocumentAnalysis
from codie.core.findings import Finding

if TYPE_CHECKING:
    from codie.lsp.server import CodieServer

STEP_BUDGET = 0.004  # seconds of analysis between yields to the event loop
DEFERRED_DELAY = 0.3  # seconds of quiet after an edit before deferred analyzers run, at least
# ... and at least twice the typical gap between the user's recent edits (at most this):
# someone typing a key every 0.3 s has not paused after 0.3 s, and a deferred pass that
# starts then holds the GIL (tens of ms on a large file) while their next keystroke is
# being analysed.
MAX_DEFERRED_DELAY = 1.5
TYPING_GAPS = 5  # recent gaps between edits remembered per document
RECONFIGURE_COALESCE = 0.05  # seconds within which reload requests share one reload
QUIET = 0.5  # seconds without edits or pending analysis before background indexing starts
# EditorGate: the most one pause waits for the editor (a gate that stays shut, an endless
# burst), and how long the background work then runs without looking: it goes on at a
# tenth of its speed at worst, never stops.
GATE_LONGEST = 1.0
GATE_FREE = 0.1


class EditorGate:
    """Open while the editor needs nothing from the event loop: no client message read and
    not yet handled, no document analysis pending or running. Background threads (a style
    training) call `pause()` often, between small units of their work (~1 ms of CPU), and
    wait there while it is shut: pure-Python work holds the GIL, and a keystroke's analysis
    that wants it back waits up to the interpreter's switch interval (5 ms) each time,
    sharing the CPU half and half (bench/keystroke_trace.py: 12-30 ms of `GIL/other` in
    the slowest keystrokes, a training in the window). Open, the work runs at full speed
    between keystrokes, not only after a pause in the typing.

    `pause()` when open is an attribute read and a call: no clock, no lock. Shut, it waits
    at most GATE_LONGEST, then lets the work run GATE_FREE seconds without waiting (read on
    `clock`): it cannot starve. `wait` is the open event's (tests pass a fake)."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, wait: Callable[[float], bool] | None = None
    ) -> None:
        self.open = threading.Event()
        self.open.set()
        self._clock = clock
        self._wait = wait if wait is not None else self.open.wait
        self._free_until = float("-inf")
        self.retired = False
        self.waits = 0  # pauses that waited
        self.timeouts = 0  # of which, the gate stayed shut GATE_LONGEST

    def shut(self) -> None:
        if not self.retired:
            self.open.clear()

    def reopen(self) -> None:
        self.open.set()

    def retire(self) -> None:
        """The editor is gone (the server shuts down, its input ended): open for good. The
        work left runs at full speed (the thread pool's shutdown waits for it) instead of a
        wait of GATE_LONGEST per pause behind a gate nothing opens any more."""
        self.retired = True
        self.open.set()

    def pause(self) -> float:
        """For the background thread: return at once while the gate is open, else wait
        for it (bounded, see the class); return the seconds waited."""
        if self.open.is_set():
            return 0.0
        return self._wait_open()

    def _wait_open(self) -> float:
        start = self._clock()
        if start < self._free_until:
            return 0.0
        self.waits += 1
        if not self._wait(GATE_LONGEST):
            self.timeouts += 1
            self._free_until = self._clock() + GATE_FREE
        return self._clock() - start


# Two edits of one document closer than this are a burst: analysis then waits until no
# edit came for this long, and analyses only the newest version.
BURST_GAP = 0.03
# While client messages are waiting to be read, analysis waits for them, at most this long.
MAX_HOLD = 1.0
# A document opened with at least this many bytes publishes its per-statement findings
# before its whole-file passes are done (~1,400 lines; the whole-file passes of the
# 6,862-line file, 250 KB, take ~60 ms of CPU: here they would take ~12 ms).
PROGRESSIVE_BYTES = 50_000


async def wait_until(done: Callable[[], bool], wait: float, poll: float = 0.02) -> None:
    """Return once done() is true, or after `wait` seconds: a heavy job (a style training)
    that should start after another one's memory peak (a measurement, a call graph's first
    build), not beside it, yet never be held back for good by one that does not end."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while not done() and loop.time() < deadline:
        await asyncio.sleep(poll)


def deferred_delay(gaps: Sequence[float], floor: float = DEFERRED_DELAY) -> float:
    """Seconds of quiet after which deferred work runs (at least `floor`), given the recent
    gaps between edits (those longer than MAX_DEFERRED_DELAY were pauses, not typing)."""
    typing = sorted(g for g in gaps if g <= MAX_DEFERRED_DELAY)
    if not typing:
        return floor
    return max(floor, min(MAX_DEFERRED_DELAY, 2 * typing[len(typing) // 2]))


class GcPause:
    """Hold the cyclic GC off while some analysis is between its first step and its
    publish (shared by every document's task: a count, not a flag)."""

    def __init__(self) -> None:
        self.holders = 0
        self._disabled = False  # whether the GC was on when the first holder came

    def hold(self) -> None:
        if self.holders == 0:
            self._disabled = gc.isenabled()
            if self._disabled:
                gc.disable()
        self.holders += 1

    def release(self) -> None:
        self.holders -= 1
        if self.holders == 0 and self._disabled:
            self._disabled = False
            gc.enable()  # what came due is collected at the next allocation


class AnswerHold:
    """A request waiting to answer with a document's analysis (a pull): whether the analysis
    it waited for handed it a GC hold (Scheduler.answering), to release once it is answered."""

    __slots__ = ("held", "uri")

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.held = False


class Scheduler:
    def __init__(self, server: CodieServer) -> None:
        self.server = server
        self.last_activity = 0.0  # event-loop time of the last edit or open
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._idle: dict[str, asyncio.Event] = {}
        self._last_edit: dict[str, float] = {}
        self._gaps: dict[str, deque[float]] = {}  # recent gaps between edits (deferred_delay)
        self._in_burst: dict[str, bool] = {}
        self._deferred_timers: dict[str, asyncio.TimerHandle] = {}
        self._deferred_running: set[str] = set()
        self._reconfigure_pending: asyncio.TimerHandle | None = None
        # documents opened whose complete set was not published yet -> the version whose
        # partial set was (None: none yet)
        self._opening: dict[str, int | None] = {}
        # set (and dropped) when a document's per-statement set is ready or its analysis is
        # published: what settled(statements=True) waits for
        self._progress: dict[str, asyncio.Event] = {}
        self.gc_pause = GcPause()
        # uri -> the pulls waiting for its analysis (answering): each gets a GC hold from
        # the analysis that completes, until its answer is written
        self._answers: dict[str, list[AnswerHold]] = {}
        # uri -> set when a pull comes to wait for it: ends a burst's wait (_burst_wait)
        self._wake: dict[str, asyncio.Event] = {}
        self.gate = EditorGate()  # background threads pause on it (yield_to_editor)
        self.superseded = 0  # versions never analysed because a newer one came first

    @staticmethod
    def _loop() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    # documents ----------------------------------------------------------------------------
    def schedule(self, uri: str, *, edit: bool = False) -> None:
        """Bring uri's findings up to date soon, in small steps on the event loop."""
        self.gate.shut()  # until this analysis is published (update_gate)
        now = self._loop().time()
        self.last_activity = now
        if edit:
            last = self._last_edit.get(uri)
            burst = last is not None and now - last < BURST_GAP
            idle = self._idle.get(uri)
            if idle is not None and not idle.is_set():
                self.superseded += 1  # the previous version will never be published
            self._in_burst[uri] = burst
            self._last_edit[uri] = now
            if last is not None:
                self._gaps.setdefault(uri, deque(maxlen=TYPING_GAPS)).append(now - last)
        self._idle.setdefault(uri, asyncio.Event()).clear()
        task = self._tasks.get(uri)
        if task is None or task.done():
            task = self._tasks[uri] = self._loop().create_task(self._analyze(uri))
            # (however it ends: published, the document closed, cancelled, failed)
            task.add_done_callback(lambda _: self.update_gate())

    def opened(self, uri: str, size: int) -> None:
        """uri (`size` bytes) was just opened: publish its findings progressively when it
        is large enough (see the module docstring)."""
        if size >= PROGRESSIVE_BYTES:
            self._opening[uri] = None

    def _publish_partial(self, uri: str, analysis: DocumentAnalysis) -> None:
        if uri not in self._opening or not analysis.statements_current:
            return
        version = analysis.doc.version
        if self._opening[uri] == version:
            return
        self._opening[uri] = version
        self._progressed(uri)
        self.server.publish_partial(uri)

    def _progressed(self, uri: str) -> None:
        event = self._progress.pop(uri, None)
        if event is not None:
            event.set()

    def typing_pause(self, uri: str, floor: float) -> float:
        """How long to wait after an edit of uri before work that holds the GIL for long
        (a deferred pass, the call graph's update): at least `floor`, longer for a user who
        types slower than that (see deferred_delay)."""
        return deferred_delay(self._gaps.get(uri, ()), floor)

    def _burst_wait(self, uri: str) -> float:
        if not self._in_burst.get(uri) or uri in self._answers:  # (a pull waits: see the module docstring)
            return 0.0
        return max(0.0, self._last_edit.get(uri, 0.0) + BURST_GAP - self._loop().time())

    async def _analyze(self, uri: str) -> None:
        await asyncio.sleep(0)  # let edits already queued arrive first
        loop = self._loop()
        held_since: float | None = None
        holding_gc = False
        try:
            while True:
                analysis = self.server.analyses.get(uri)
                if analysis is None:
                    return
                waiting = 0.0
                if self.server.input_pending():
                    # messages are waiting (under load, a burst arrives slower than BURST_GAP):
                    # read them first, but never hold analysis back longer than MAX_HOLD
                    now = loop.time()
                    held_since = now if held_since is None else held_since
                    if now - held_since < MAX_HOLD:
                        waiting = 0.001
                burst = False
                if not waiting:
                    waiting = self._burst_wait(uri)  # more edits are coming: analyse the last one
                    burst = waiting > 0
                if waiting > 0:
                    if holding_gc:  # a wait is no keystroke's window: let the GC run there
                        self.gc_pause.release()
                        holding_gc = False
                    if burst:  # until the burst ends, or a pull comes to wait (answering)
                        wake = self._wake.setdefault(uri, asyncio.Event())
                        wake.clear()
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(wake.wait(), waiting)
                    else:
                        await asyncio.sleep(waiting)
                    continue
                if not holding_gc:
                    self.gc_pause.hold()
                    holding_gc = True
                if uri in self._opening and self._opening[uri] != analysis.doc.version:
                    analysis.pause_before_whole = True  # publish the statements' findings first
                if analysis.step(STEP_BUDGET):
                    break
                self._publish_partial(uri, analysis)
                await asyncio.sleep(0)
            analysis.pause_before_whole = False  # (unused when there was no whole-file work)
            self.server.publish(uri)
            self._opening.pop(uri, None)
            self._hand_over(uri)
        finally:
            if holding_gc:
                self.gc_pause.release()
        self._idle.setdefault(uri, asyncio.Event()).set()
        self._progressed(uri)
        self._schedule_deferred(uri)

    def answering(self, uri: str) -> AnswerHold:
        """A request (a pull) will answer with uri's analysis once it is current: the
        analysis that completes for it hands it a GC hold, so that no collection runs
        between the analysis and the answer written (as none runs before a push client's
        publish is written; a full collection on the 6,862-line file costs 10+ ms, landed
        in a pull's wake-up). Call `answered` once the answer is written (or the request
        cancelled)."""
        hold = AnswerHold(uri)
        self._answers.setdefault(uri, []).append(hold)
        wake = self._wake.get(uri)
        if wake is not None:  # its analysis waits for a burst to end: it ends now (_burst_wait)
            wake.set()
        return hold

    def answered(self, hold: AnswerHold) -> None:
        waiting = self._answers.get(hold.uri)
        if waiting is not None and hold in waiting:
            waiting.remove(hold)
            if not waiting:
                del self._answers[hold.uri]
        if hold.held:
            hold.held = False
            self.gc_pause.release()

    def _hand_over(self, uri: str) -> None:
        """uri's analysis is complete and published: each pull waiting for it takes a GC
        hold of its own (before the analysis drops its own)."""
        for hold in self._answers.pop(uri, ()):
            self.gc_pause.hold()
            hold.held = True

    async def settled(self, uri: str, *, statements: bool = False) -> DocumentAnalysis | None:
        """The analysis of uri once it is current (for pull diagnostics, code actions...).
        statements: or, for a document opened progressively (see the module docstring)
        whose complete set was not published yet, once its per-statement analyzers are
        done (the analysis is then still pending)."""
        # a loop: between the idle event being set and this coroutine resuming, a settings
        # reload (or an edit) can invalidate the analysis again; answering then would give
        # a pull-diagnostics client an empty list for a document that has findings
        while (analysis := self.server.analyses.get(uri)) is not None and analysis.pending:
            if statements and uri in self._opening and analysis.statements_current:
                return analysis
            self.schedule(uri)
            if statements:
                await self._progress.setdefault(uri, asyncio.Event()).wait()
            else:
                await self._idle[uri].wait()
        return analysis

    def forget(self, uri: str) -> None:
        """uri was closed: stop its work and let anyone waiting for it go."""
        task = self._tasks.pop(uri, None)
        if task is not None:
            task.cancel()
        timer = self._deferred_timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        idle = self._idle.pop(uri, None)
        if idle is not None:
            idle.set()  # waiters in settled() see the document is gone
        self._progressed(uri)
        self._last_edit.pop(uri, None)
        self._gaps.pop(uri, None)
        self._in_burst.pop(uri, None)
        self._wake.pop(uri, None)
        self._opening.pop(uri, None)

    def held(self) -> dict[str, int]:
        """How many entries each per-document structure holds (codie/serverState)."""
        return {
            "tasks": len(self._tasks),
            "idle": len(self._idle),
            "lastEdit": len(self._last_edit),
            "typingGaps": len(self._gaps),
            "inBurst": len(self._in_burst),
            "wake": len(self._wake),
            "opening": len(self._opening),
            "progress": len(self._progress),
            "answers": len(self._answers),
            "deferredTimers": len(self._deferred_timers),
            "deferredRunning": len(self._deferred_running),
        }

    def busy(self) -> bool:
        """Analysis is pending or running, or deferred analyzers are due."""
        return (
            any(not t.done() for t in self._tasks.values())
            or bool(self._deferred_running)
            or bool(self._deferred_timers)
            or any(a.pending for a in self.server.analyses.values())
        )

    async def quiet(self) -> None:
        """Return once the editor has been quiet for QUIET seconds: no edit, nothing pending.

        Background indexing (style model, call graph) waits for this, because a thread doing
        pure-Python work holds the GIL and would slow the keystrokes and first diagnostics.
        """
        loop = self._loop()
        while True:
            wait = self.last_activity + QUIET - loop.time()
            if wait <= 0 and not any(a.pending for a in self.server.analyses.values()):
                return
            await asyncio.sleep(max(wait, 0.05))

    def yield_to_editor(self) -> float:
        """For background threads, between small units of their work (a style training's
        pause points): wait while a client message or a document's analysis is pending
        (EditorGate). A training starts after QUIET seconds of calm but cannot stop once
        started, and pure-Python work holds the GIL: the 6,862-line file's training (~1.2 s
        of CPU) ran on into the edits that followed the pause after opening it. Returns the
        seconds waited."""
        return self.gate.pause()

    def input_arrived(self) -> None:
        """A client message was read (called from the thread that reads them): shut the
        gate now, before the message reaches the event loop, so that its way there (the
        hop, the handler) does not wait for the GIL behind a training either."""
        self.gate.shut()

    def update_gate(self) -> None:
        """Open the gate if nothing is left for the editor: no message read and not yet
        handled, no document's analysis pending (each analysis reopens it when published)."""
        if self.server.input_pending() or not all(task.done() for task in self._tasks.values()):
            self.gate.shut()
        else:
            self.gate.reopen()

    # settings -----------------------------------------------------------------------------
    def reconfigure(self) -> None:
        """Settings changed: re-analyse every open document with its folder's settings, soon.

        One change often arrives as several messages (didSave of pyproject.toml and the
        watched-file event for it, a baseline in the same event): they share one reload.
        """
        if self._reconfigure_pending is None:
            self._reconfigure_pending = self._loop().call_later(RECONFIGURE_COALESCE, self._reconfigure_now)

    def _reconfigure_now(self) -> None:
        self._reconfigure_pending = None
        server = self.server
        server.settings.invalidate()
        for uri, analysis in server.analyses.items():
            analysis.ctx.settings = server.settings.for_uri(uri)
            analysis.invalidate()
            self.schedule(uri)
        server.hooks.settings.emit(server)
        if server.pull_diagnostics:
            server.refresh_pull()

    # deferred analyzers: slow whole-file work, off the event loop, when typing pauses ----
    def _schedule_deferred(self, uri: str) -> None:
        analysis = self.server.analyses.get(uri)
        if analysis is None or not analysis.deferred_dirty:
            return
        old = self._deferred_timers.pop(uri, None)
        if old is not None:
            old.cancel()
        delay = deferred_delay(self._gaps.get(uri, ()))
        self._deferred_timers[uri] = self._loop().call_later(delay, self._start_deferred, uri)

    def _start_deferred(self, uri: str) -> None:
        self._deferred_timers.pop(uri, None)
        server = self.server
        analysis = server.analyses.get(uri)
        if analysis is None or not analysis.deferred_dirty or uri in self._deferred_running:
            return
        snapshot = dataclasses.replace(analysis.ctx, doc=analysis.doc.snapshot())
        self._deferred_running.add(uri)
        future = self._loop().run_in_executor(server.thread_pool, analysis.run_deferred, snapshot)

        def done(fut: asyncio.Future[list[Finding]]) -> None:
            self._deferred_running.discard(uri)
            if fut.cancelled() or fut.exception() is not None:
                return
            if server.analyses.get(uri) is not analysis:
                return  # closed or reopened meanwhile
            if analysis.apply_deferred(snapshot.doc.source, fut.result()):
                server.publish(uri)
                if server.pull_diagnostics:
                    server.refresh_pull()
            else:  # the document changed while they ran: again, once typing pauses
                self._schedule_deferred(uri)

        future.add_done_callback(done)
