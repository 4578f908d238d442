"""The keystroke path: the cyclic GC waits while a version is analysed and published (a
collection inside that window delayed its diagnostics), and is back on once they are out,
whatever ends the analysis (published, closed meanwhile); a diagnostic that only moved is
published with only its positions encoded again, as a fresh conversion would give it."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import json

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


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8", "utf-32"])
def test_a_moved_diagnostic_is_published_as_a_fresh_conversion_would_be(encoding: str) -> None:
    """DiagnosticCache re-encodes only the positions of a diagnostic that moved: its dict
    and its text must still be exactly what a fresh conversion gives."""
    from codie.core.document import Document
    from codie.core.findings import Location
    from codie.core.presenting import make_finding
    from codie.core.rules import catalogue as load_catalogue
    from codie.lsp.convert import DiagnosticCache, diagnostic_json

    catalogue = load_catalogue()
    text = 's = "😋"; value = input()\neval(s + value)  # é\n'
    doc = Document("file:///tmp/codie-keystroke-path/moved.py", text)
    start = doc.source.index(b"eval")
    base = make_finding(catalogue, "SEC001", start, start + 15, "Code injection: input reaches eval")
    related = (
        Location(doc.source.index(b"value ="), doc.source.index(b"value =") + 5, "assigned here"),
        Location(0, 0, "in the other file", uri="file:///tmp/other.py", line=3, column=7),
    )
    finding = dataclasses.replace(base, related=related, data={"fingerprint": "abc"})
    cache = DiagnosticCache()
    first, first_text = cache.get(doc, finding, encoding, finding.severity)
    assert json.loads(first_text) == first == diagnostic_json(doc, finding, encoding, finding.severity)
    # an edit above moves it (and its in-file related location) by a line and some columns
    edit = doc.apply_change((0, 0), (0, 0), "import os  # ü😋\n", encoding)
    moved = finding.shifted(edit.start, edit.delta)
    d, d_text = cache.get(doc, moved, encoding, moved.severity)
    fresh = diagnostic_json(doc, moved, encoding, moved.severity)
    assert d == fresh and json.loads(d_text) == fresh
    assert d["range"]["start"]["line"] == first["range"]["start"]["line"] + 1
    # a change of content is converted again, not taken from the moved one
    other = dataclasses.replace(moved, message="Code injection: something else")
    o, o_text = cache.get(doc, other, encoding, other.severity)
    assert json.loads(o_text) == o == diagnostic_json(doc, other, encoding, other.severity)


async def test_the_stdin_reader_reads_each_message_in_one_thread_job() -> None:
    """lsp/reading.MessageReader under pygls's own message loop: every message arrives
    whole and in order (split writes, a Content-Type header, a body in many chunks), read
    once each by the reader's thread, and the loop ends at the end of input; `pending()`
    says whether messages read are waiting to be handled."""
    import os
    import threading

    from pygls.io_ import run_async

    from codie.lsp.framing import FramedStdin
    from codie.lsp.reading import MessageReader

    bodies = [json.dumps({"jsonrpc": "2.0", "method": "m", "params": {"n": n, "pad": "é" * n * 50}}) for n in range(20)]
    read_fd, write_fd = os.pipe()
    stream = os.fdopen(read_fd, "rb", buffering=0)
    reader = MessageReader(FramedStdin(stream))
    jobs = 0
    read_message = reader._read_message

    def counted() -> list[bytes]:
        nonlocal jobs
        jobs += 1
        return read_message()

    reader._read_message = counted  # type: ignore[method-assign]

    def write() -> None:
        for i, body in enumerate(bodies):
            raw = body.encode()
            extra = b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" if i % 3 == 0 else b""
            message = b"Content-Length: %d\r\n%s\r\n%s" % (len(raw), extra, raw)
            for k in range(0, len(message), 97):  # the pipe delivers it in pieces
                os.write(write_fd, message[k : k + 97])
        os.close(write_fd)

    class Recorder:
        def __init__(self) -> None:
            self.got: list[object] = []

        def structure_message(self, data: dict[str, object]) -> object:
            return data

        def handle_message(self, message: object) -> None:
            self.got.append(message)

    recorder = Recorder()
    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert not reader.pending()
        reader.start(asyncio.get_running_loop())
        for _ in range(6000):  # the thread reads ahead of the loop (a safety net, not a timing)
            if reader.pending():
                break
            await asyncio.sleep(0.01)
        assert reader.pending()
        await asyncio.wait_for(run_async(threading.Event(), reader, recorder, None, None), 60)  # type: ignore[arg-type]
        assert not reader.pending()
    finally:
        writer.join()
        reader.close()
        stream.close()
    assert recorder.got == [json.loads(b) for b in bodies]
    assert jobs == len(bodies) + 1  # one read per message, and one that met the end of input


async def test_a_task_a_message_starts_begins_before_the_next_message_is_handled() -> None:
    """pygls runs an async handler (didChangeConfiguration's) as a task; with every message
    already read ahead, the next one (a request) must still find that task started, as
    messages take effect in the order they were sent (a request answered first saw the old
    settings: tests/runtime/test_runtime_consent.py on CI)."""
    import io
    import threading

    from pygls.io_ import run_async

    from codie.lsp.reading import MessageReader

    raw = b"".join(
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        for body in (json.dumps({"jsonrpc": "2.0", "method": "m", "params": {"n": n}}).encode() for n in range(5))
    )
    reader = MessageReader(io.BytesIO(raw))
    events: list[str] = []
    tasks: list[asyncio.Future[None]] = []

    class Recorder:
        def structure_message(self, data: dict[str, object]) -> object:
            return data

        def handle_message(self, message: dict[str, dict[str, int]]) -> None:
            n = message["params"]["n"]
            events.append(f"message {n}")

            async def handler() -> None:
                events.append(f"task {n}")

            tasks.append(asyncio.ensure_future(handler()))

    reader.start(asyncio.get_running_loop())
    for _ in range(6000):  # every message read ahead before the loop handles one
        if reader._messages == 5:
            break
        await asyncio.sleep(0.01)
    try:
        await asyncio.wait_for(run_async(threading.Event(), reader, Recorder(), None, None), 60)  # type: ignore[arg-type]
        await asyncio.gather(*tasks)
    finally:
        reader.close()
    assert events == [e for n in range(5) for e in (f"message {n}", f"task {n}")]


def test_deferred_analyzers_wait_for_a_pause_in_the_typing() -> None:
    """Deferred (slow, whole-file) analyzers start after DEFERRED_DELAY of quiet, or after
    twice the user's typical gap between edits when they type slower than that: at a key
    every 0.3 s, 0.3 s of quiet is no pause, and a deferred pass would hold the GIL while
    their next keystroke is analysed."""
    from codie.lsp.scheduling import DEFERRED_DELAY, MAX_DEFERRED_DELAY, deferred_delay

    assert deferred_delay([]) == DEFERRED_DELAY
    assert deferred_delay([0.01, 0.02, 0.01]) == DEFERRED_DELAY  # a burst: no slower
    assert deferred_delay([0.3, 0.25, 0.35]) == pytest.approx(0.6)
    assert deferred_delay([0.3, 0.3, 0.6, 0.7]) == pytest.approx(1.2)
    assert deferred_delay([0.9, 0.9, 1.0]) == MAX_DEFERRED_DELAY  # capped
    assert deferred_delay([5.0, 30.0]) == DEFERRED_DELAY  # pauses are not typing
    # the call graph's update uses its own floor (0.25 s), stretched the same way
    assert deferred_delay([], 0.25) == 0.25
    assert deferred_delay([0.01, 0.02], 0.25) == 0.25
    assert deferred_delay([0.3, 0.3, 0.3], 0.25) == pytest.approx(0.6)


async def test_the_scheduler_remembers_the_typing_gaps_until_the_document_closes() -> None:
    server = build_server()
    server.protocol.notify_params_text = lambda method, params: None  # type: ignore[method-assign]
    uri = "file:///tmp/codie-keystroke-path/gaps.py"
    server.open_document(uri, TEXT, 1, "python")
    await asyncio.wait_for(server.settled(uri), 60)
    for _ in range(3):
        server.schedule(uri, edit=True)
    assert len(server.scheduler._gaps[uri]) == 2
    assert server.scheduler.typing_pause(uri, 0.25) == 0.25  # edits microseconds apart
    assert server.scheduler.held()["typingGaps"] == 1
    server.close_document(uri)
    assert server.scheduler.held()["typingGaps"] == 0


def test_the_server_still_replaces_pyglss_stdin_reader() -> None:
    """CodieServer overrides pygls's private `_start_io_async` to read with MessageReader: a
    pygls upgrade that renames it would silently bring back the reader of three thread-pool
    round trips per message (correct, but slower): it shows here."""
    from pygls.lsp.server import LanguageServer

    from codie.lsp.server import CodieServer

    assert "_start_io_async" in vars(CodieServer)
    assert callable(getattr(LanguageServer, "_start_io_async", None))


def test_the_reader_is_a_faithful_copy_of_the_installed_pyglss_loop() -> None:
    """serve_io repeats the body of pygls's `_start_io_async` with another reader. When a
    pygls upgrade changes that body, this fails: read the new body, bring serve_io in line
    with it, then record it in reading.PYGLS_BODY (until then the server uses pygls's own
    reader, see the next test)."""
    from pygls.lsp.server import LanguageServer

    from codie.lsp.reading import PYGLS_BODY, pygls_body, serves_pygls

    assert pygls_body(LanguageServer._start_io_async) == PYGLS_BODY
    assert serves_pygls(LanguageServer._start_io_async)


def test_a_pygls_with_another_stdio_loop_keeps_its_own_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    from pygls.lsp.server import LanguageServer

    import codie.lsp.reading

    used: list[str] = []
    monkeypatch.setattr(codie.lsp.reading, "serve_io", lambda server, i, o: used.append("codie"))
    build_server()._start_io_async()
    assert used == ["codie"]

    def other_loop(self: object, stdin: object = None, stdout: object = None) -> None:
        used.append("pygls")

    monkeypatch.setattr(LanguageServer, "_start_io_async", other_loop)
    build_server()._start_io_async()
    assert used == ["codie", "pygls"]
