"""Start-up: the compiled-code cache, lazy analyzers and work deferred past the first
diagnostics. (How fast is measured by bench/first_diagnostics.py, not here.)"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import queue
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from codie.lsp import codecache, early_answer
from codie.lsp import server as server_module
from codie.lsp.codecache import CodeCache, cached_compiles
from codie.lsp.early import answer_initialize, fingerprint, read_message, request_key
from codie.lsp.framing import FramedStdin
from codie.lsp.server import build_server
from tests.lsp.raw_client import TIMEOUT, RawServer

SCRIPTS = [(f"<generated {i}>", f"def f{i}(x):\n    return x + {i}\n") for i in range(codecache.REWRITE_AFTER)]


def run_all(cache: CodeCache) -> list[int]:
    results = []
    for i, (name, script) in enumerate(SCRIPTS):
        ns: dict[str, object] = {}
        exec(cache.compile(script, name, "exec"), ns)
        results.append(ns[f"f{i}"](1))  # type: ignore[operator]
    return results


def test_code_cache_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "code.marshal"
    first = CodeCache(path)
    assert run_all(first) == [1 + i for i in range(len(SCRIPTS))]
    assert first.misses == len(SCRIPTS)
    first.save()
    assert path.exists()

    second = CodeCache(path)
    assert run_all(second) == run_all(first)
    assert second.misses == 0  # every script came from the file
    mtime = path.stat().st_mtime_ns
    second.save()  # nothing missing: the file is not rewritten
    assert path.stat().st_mtime_ns == mtime


def test_code_follows_the_calling_modules_future_statements(tmp_path: Path) -> None:
    """Generated code gets the future flags of the module that generates it, as the
    builtin would give it there (annotations as strings only under `annotations`)."""
    import types

    plain, future = types.ModuleType("plain"), types.ModuleType("future")
    exec("from __future__ import annotations", vars(future))
    cache = CodeCache(tmp_path / "code.marshal")
    script = "def f(x: int) -> int:\n    return x\n"
    for module, expected in ((plain, int), (future, "int")):
        ns: dict[str, Any] = {}
        exec(cache.compile_for(module)(script, "<f>", "exec"), ns)
        assert ns["f"].__annotations__["x"] == expected
    assert cache.misses == 2  # one code per set of flags


def test_code_cache_compiles_what_it_does_not_know(tmp_path: Path) -> None:
    cache = CodeCache(tmp_path / "code.marshal")
    code = cache.compile("x = 1\n", "<a>", "exec")
    other = cache.compile("x = 2\n", "<a>", "exec")  # same name, other source: another code
    ns: dict[str, object] = {}
    exec(other, ns)
    assert ns["x"] == 2 and code is not other
    # anything but compile(str, str, "exec") is the builtin's business
    assert eval(cache.compile("1 + 1", "<e>", "eval")) == 2
    with pytest.raises(SyntaxError):
        cache.compile("def (:\n", "<bad>", "exec")
    assert cache.misses == 2


@pytest.mark.parametrize("content", [b"", b"not marshal at all", b"\x00" * 64])
def test_a_damaged_cache_file_only_means_compiling_again(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "code.marshal"
    path.write_bytes(content)
    cache = CodeCache(path)
    assert run_all(cache) == [1 + i for i in range(len(SCRIPTS))]
    cache.save()
    assert CodeCache(path).known  # rewritten whole


def test_an_unwritable_cache_is_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    cache = CodeCache(blocker / "sub" / "code.marshal")
    run_all(cache)
    cache.save()  # logged at debug level, nothing raised
    assert not (blocker / "sub").exists()


def test_cached_compiles_patches_the_module_only_inside_the_block(tmp_path: Path) -> None:
    (tmp_path / "gen_module.py").write_text(
        "def make(n):\n    ns = {}\n    exec(compile(f'v = {n}', '<gen>', 'exec'), ns)\n    return ns['v']\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        import gen_module

        with cached_compiles("gen_module", "no_such_module", path=tmp_path / "c.marshal") as cache:
            assert gen_module.make(3) == 3
            assert "compile" in vars(gen_module)
        assert "compile" not in vars(gen_module)
        assert cache.misses == 1
        assert gen_module.make(4) == 4  # the builtin again
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("gen_module", None)


def first_diagnostics(server: RawServer, uri: str) -> dict[str, Any]:
    """The first non-empty publishDiagnostics for uri (answering the server's requests)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        for note in server.notifications:
            params = note.get("params") or {}
            if note["method"] == "textDocument/publishDiagnostics" and params["uri"] == uri and params["diagnostics"]:
                return dict(params)
        with contextlib.suppress(queue.Empty):
            assert server.next_message(timeout=0.1) is None or True
    raise AssertionError(f"no diagnostics for {uri}: {server.stderr()}")


def test_the_server_writes_and_reuses_its_code_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two starts with an empty cache folder: the first writes the file, the second reads
    it; both answer a document with the same diagnostics."""
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("CODIE_CACHE_DIR", str(cache_dir))
    workspace = tmp_path / "w"
    workspace.mkdir()
    uri = (workspace / "app.py").as_uri()
    answers = []
    for _ in range(2):
        server = RawServer(workspace)
        try:
            server.initialize(workspace)
            server.open(uri, "def f():\n    return eval(input())\n")
            found = first_diagnostics(server, uri)
            answers.append(sorted(d["code"] for d in found["diagnostics"]))
            assert server.request("shutdown")["result"] is None
            server.notify("exit")
            assert server.wait_exit() == 0
        finally:
            server.close()
        assert list(cache_dir.glob("code-*.marshal"))
    assert answers[0] == answers[1] and "SEC001" in answers[0]


SOURCE = "import os\n\n\ndef f():\n    return eval(input())\n"


async def test_startup_work_waits_for_the_first_diagnostics(tmp_path: Path) -> None:
    server = build_server()
    server.pull_diagnostics = True  # in-process: no transport to publish to
    server.warm_up()
    calls: list[str] = []
    server.after_startup(lambda: calls.append("indexed"))
    await asyncio.sleep(0.05)
    assert calls == []  # nothing analysed yet: the index waits

    uri = (tmp_path / "app.py").as_uri()
    server.open_document(uri, SOURCE, 1, "python")
    analysis = await asyncio.wait_for(server.settled(uri), 60)
    assert analysis is not None and any(f.rule_id == "SEC001" for f in analysis.findings())
    await asyncio.sleep(0)  # the deferred call runs on the next turn of the loop
    assert calls == ["indexed"]
    server.after_startup(lambda: calls.append("later"))  # after start-up: at once
    assert calls == ["indexed", "later"]
    await asyncio.wait_for(server.quiet(), 60)


async def test_a_waiting_pull_is_answered_before_the_startup_work(tmp_path: Path) -> None:
    """The first complete analysis wakes both the pulls waiting for it and the start-up
    work waiting for the first diagnostics: the pull's answer goes first (the start-up
    work, a workspace index or a folder scan, takes 0.3-0.5 s of the loop)."""
    server = build_server()
    server.pull_diagnostics = True  # in-process: no transport to publish to
    server.warm_up()
    order: list[str] = []
    server.after_startup(lambda: order.append("startup"))
    uri = (tmp_path / "app.py").as_uri()
    server.open_document(uri, SOURCE, 1, "python")
    waited: list[bool] = []

    async def pull() -> None:
        analysis = server.analyses.get(uri)
        waited.append(analysis is None or analysis.pending)
        await server.settled(uri)  # (what a pull awaits: CodieServer.pull_report)
        order.append("pull")
        _, texts = server.diagnostic_report(uri)
        assert any('"SEC001"' in text for text in texts)

    await asyncio.wait_for(asyncio.create_task(pull()), 60)
    await asyncio.wait_for(server.quiet(), 60)
    assert waited == [True]  # (the pull waited for the analysis: what this test is about)
    assert order == ["pull", "startup"]


async def test_startup_work_starts_without_a_document(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module, "STARTUP_GRACE", 0.01)
    server = build_server()
    server.warm_up()
    done = asyncio.Event()
    server.after_startup(done.set)
    await asyncio.wait_for(done.wait(), 60)
    # the analyzers were loaded in the background meanwhile (or are, once asked for)
    assert server.analyzers and server.catalogue.get("SEC001") is not None


def test_the_analyzers_load_on_first_use() -> None:
    server = build_server()
    assert server._analyzers is None  # what initialize does not wait for
    names = [a.name for a in server.analyzers]
    assert {"syntax", "security-taint", "style"} <= set(names)
    extra = server.analyzers[0]
    server.analyzers = (*server.analyzers, extra)  # tests add analyzers this way
    assert [a.name for a in server.analyzers] == [*names, extra.name]


def modules_after_build(check: str, loaded: str) -> str:
    """In a fresh interpreter: build the server, run `check` (a statement on `server`),
    print the modules the expression `loaded` selects from sys.modules (as `m`)."""
    probe = (
        "import sys\n"
        "from codie.lsp.server import build_server\n"
        "server = build_server()\n"
        f"{check}\n"
        f"print(sorted(m for m in sys.modules if {loaded}))\n"
    )
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()


def test_serve_imports_no_analyzer_before_initialize() -> None:
    """`codie serve` answers initialize before importing the security analyzers (they load
    right after, in a thread): check the modules loaded by building the server."""
    assert modules_after_build("pass", "m.startswith('codie.analyzers.security')") == "[]"


def test_loading_the_analyzers_leaves_the_stores_and_pools_for_later() -> None:
    """What the first didOpen waits for (the analyzers and the catalogue) imports neither
    sqlite-utils (the call graph's and the style model's stores, loaded after the first
    diagnostics) nor multiprocessing (pool children are plain subprocesses)."""
    loaded = modules_after_build(
        "assert server.analyzers and server.catalogue", "m in ('sqlite_utils', 'click', 'multiprocessing')"
    )
    assert loaded == "[]"


def test_loading_the_analyzers_leaves_rarely_used_standard_modules_for_later() -> None:
    """statistics (with fractions and decimal), difflib and html are imported where they
    are used (a runtime anomaly, a diff for new code or an LLM fix, a hotspots chart), not
    by the modules the editor loads: ~1.2 MiB of the server's memory while typing."""
    loaded = modules_after_build(
        "assert server.analyzers and server.catalogue",
        "m.split('.')[0] in ('statistics', 'fractions', 'decimal', 'difflib', 'html')",
    )
    assert loaded == "[]"


def test_loading_the_analyzers_leaves_the_manifests_code_for_later() -> None:
    """The manifests' analyzer, packaging and the advisory index load when a manifest is
    analysed or a folder's pins are read (after the first diagnostics), not with the
    analyzers a Python file's first analysis waits for."""
    loaded = modules_after_build(
        "assert 'dependencies' in {a.name for a in server.analyzers} and server.catalogue",
        "m == 'packaging' or m.startswith('codie.analyzers.dependencies.')",
    )
    assert loaded == "['codie.analyzers.dependencies.imports']"


# `initialize` answered before the server is built (lsp/early.py) ------------------------
def initialize_message(msg_id: int = 1, capabilities: dict[str, Any] | None = None, **extra: Any) -> bytes:
    params = {"processId": 1, "rootUri": None, "capabilities": capabilities or {}, **extra}
    body = json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": "initialize", "params": params}).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def framed(data: bytes) -> FramedStdin:
    """A FramedStdin reading data (through a pipe: it reads the file descriptor)."""
    read, write = os.pipe()
    os.write(write, data)
    os.close(write)
    return FramedStdin(os.fdopen(read, "rb"))


def test_initialize_is_answered_early_once_its_answer_is_on_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(early_answer, "answer", lambda params: None)  # the file alone
    path = tmp_path / "initialize.json"
    out = io.BytesIO()
    stdin = framed(initialize_message(7))
    early = answer_initialize(stdin, out, path)
    assert early is not None and not early.answered and out.getvalue() == b""  # nothing on file
    assert early_read(stdin) == json.loads(initialize_message(7).split(b"\r\n\r\n", 1)[1])  # put back
    result = {"capabilities": {"hoverProvider": True}, "serverInfo": {"name": "codie"}}
    early.settle(result)  # what the server answered: filed

    # another start, another process id and folder: the same answer, sent at once
    stdin = framed(initialize_message(8, rootUri="file:///elsewhere", processId=2) + b"more")
    early = answer_initialize(stdin, out, path)
    assert early is not None and early.answered and early.msg_id == 8
    header, body = out.getvalue().split(b"\r\n\r\n", 1)
    assert header == b"Content-Length: %d" % len(body)
    assert json.loads(body) == {"jsonrpc": "2.0", "id": 8, "result": result}
    assert early_read(stdin)["id"] == 8  # the server still reads the request

    # a request the server would reject (a string process id) gets the server's answer
    bad = answer_initialize(framed(initialize_message(10, processId="1")), out, path)
    assert bad is not None and not bad.answered

    # other client capabilities: another answer
    other = answer_initialize(framed(initialize_message(9, {"general": {"positionEncodings": ["utf-8"]}})), out, path)
    assert other is not None and not other.answered


def early_read(stdin: FramedStdin) -> dict[str, Any]:
    read = read_message(stdin)
    assert read is not None
    return dict(json.loads(read[1]))


@pytest.mark.parametrize(
    "body",
    [
        b'{"jsonrpc": "2.0", "method": "initialized", "params": {}}',
        b'{"jsonrpc": "2.0", "id": 1, "method": "shutdown"}',
        b"[1, 2]",
        b"not json",
        b'{"jsonrpc": "2.0", "id": true, "method": "initialize", "params": {}}',
        b'{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": []}',
        b'{"id": 1, "method": "initialize", "params": {}}',
    ],
)
def test_anything_but_an_initialize_request_is_left_to_the_server(tmp_path: Path, body: bytes) -> None:
    stdin = framed(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    out = io.BytesIO()
    assert answer_initialize(stdin, out, tmp_path / "initialize.json") is None
    assert out.getvalue() == b""
    assert read_message(stdin) == (b"Content-Length: %d\r\n\r\n" % len(body), body)  # put back


def test_a_framing_error_first_stops_the_server_as_before(tmp_path: Path) -> None:
    stdin = framed(b"Content-Length: abc\r\n\r\n{}")
    assert answer_initialize(stdin, io.BytesIO(), tmp_path / "initialize.json") is None
    assert stdin.error is not None and stdin.readline() == b""


def test_the_server_answers_initialize_early_from_the_data_then_from_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two starts with an empty cache folder. The first answers from data/initialize.json
    (lsp/early_answer.py) and files nothing: the server's own answer was the same. Then an
    answer on file for the same request wins, even a wrong one (here: planted); the server
    logs the difference and files its own answer. Each start answers exactly once and works."""
    monkeypatch.setenv("CODIE_CACHE_DIR", str(tmp_path / "cache"))
    workspace = tmp_path / "w"
    workspace.mkdir()
    uri = (workspace / "app.py").as_uri()
    on_file = tmp_path / "cache" / "initialize.json"
    planted = {"capabilities": {"planted": True}, "serverInfo": {"name": "codie"}}
    # the key RawServer's request gets (its processId and rootUri do not count)
    key = request_key(
        {"capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}}}}, fingerprint()
    )
    answers = []
    for start in range(2):
        server = RawServer(workspace)
        try:
            answers.append(server.initialize(workspace))
            server.open(uri, "def f():\n    return eval(input())\n")
            found = first_diagnostics(server, uri)
            assert "SEC001" in [d["code"] for d in found["diagnostics"]]
            assert server.request("shutdown")["result"] is None
            server.notify("exit")
            assert server.wait_exit() == 0
            # no second answer to `initialize` came (the server's own was not sent again)
            assert all(m is None or m.get("id") != 1 for m in drain(server))
        finally:
            server.close()
        if start == 0:
            assert not on_file.exists()  # the computed answer was the server's
            on_file.write_text(json.dumps({key: planted}))
    assert answers[0]["result"]["capabilities"]["hoverProvider"]
    assert answers[1]["result"] == planted
    assert "differed" in server.stderr_path.read_text()
    assert json.loads(on_file.read_text()) == {key: answers[0]["result"]}  # corrected


def drain(server: RawServer) -> list[dict[str, Any] | None]:
    out = []
    while True:
        try:
            out.append(msg := server.messages.get_nowait())
        except queue.Empty:
            return out
        if msg is None:
            return out


def test_an_answer_on_file_that_differs_from_the_servers_is_corrected(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "initialize.json"
    first = answer_initialize(framed(initialize_message()), io.BytesIO(), path)
    assert first is not None
    first.settle({"capabilities": {"old": True}})
    again = answer_initialize(framed(initialize_message()), io.BytesIO(), path)
    assert again is not None and again.sent == {"capabilities": {"old": True}}
    again.settle({"capabilities": {"new": True}})  # what this server computed
    assert "differed" in caplog.text
    third = answer_initialize(framed(initialize_message()), io.BytesIO(), path)
    assert third is not None and third.sent == {"capabilities": {"new": True}}
    assert len(json.loads(path.read_text())) == 1  # one answer per request, not a history


async def test_the_feedback_store_opens_after_the_first_diagnostics(tmp_path: Path) -> None:
    """Opening the team-feedback store (sqlite-utils and its schema) is not done next to
    the first analysis, where its thread took the GIL from it; it follows it."""
    from codie.lsp.features.llm_review import state

    server = build_server()
    server.pull_diagnostics = True  # in-process: no transport to publish to
    server.warm_up()
    uri = (tmp_path / "app.py").as_uri()
    server.open_document(uri, SOURCE, 1, "python")
    folder = server.settings.folder_of(uri)
    llm = state(server)
    assert folder not in llm._opening and folder not in llm.stores
    analysis = await asyncio.wait_for(server.settled(uri), 60)
    assert analysis is not None
    await asyncio.sleep(0)  # the deferred call runs on the next turn of the loop
    assert folder in llm._opening
    await asyncio.wait_for(llm.store(folder), 60)
    assert folder in llm.stores
    await asyncio.wait_for(server.quiet(), 60)
