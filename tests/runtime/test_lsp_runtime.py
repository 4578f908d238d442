"""Through the real server: a breaking edit gets the failing-test diagnostics, an edit that
slows a function gets "slowed down", and a killed worker is restarted without losing jobs."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.waiting import until

from .conftest import write_project

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "CODIE_SANDBOX": "process", "CODIE_RUNTIME_MIN_HISTORY": "3"}
ENV.pop("CODIE_DB", None)
RESULT = "codie/runtimeResult"
TIMEOUT = 60

CALC = """\
import time


def add(a, b):
    return a + b


def slow_sum(n):
    time.sleep({delay})
    return sum(range(n))
"""
TESTS = """\
from calc import add, slow_sum


def test_add():
    assert add(2, 3) == 5


def test_sum():
    assert slow_sum(10) == 45
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "codie", "serve"], server_env=ENV))
async def client(
    lsp_client: LanguageClient, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[LanguageClient]:
    root = write_project(tmp_path / "proj", {})
    pull = "pull" in request.node.name  # a client that pulls diagnostics
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                window=types.WindowClientCapabilities(work_done_progress=True),
                text_document=types.TextDocumentClientCapabilities(diagnostic=types.DiagnosticClientCapabilities())
                if pull
                else None,
            ),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="proj")],
            initialization_options={"runtime": {"onSave": True}},  # opt-in (default off)
        )
    )
    yield lsp_client
    await lsp_client.shutdown_session()


def open_file(client: LanguageClient, path: Path) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=path.read_text())
        )
    )
    return uri


async def save(client: LanguageClient, path: Path, text: str) -> dict[str, Any]:
    """Write `text`, tell the server, and wait for the worker's result."""
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    waiter = client.protocol.wait_for_notification_async(RESULT)  # registered before the trigger
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
    return as_dict(await asyncio.wait_for(waiter, TIMEOUT))


def as_dict(value: Any) -> dict[str, Any]:
    """Custom notifications reach the client as namedtuples."""
    return dict(value._asdict()) if hasattr(value, "_asdict") else dict(value)


async def diagnostics_with(client: LanguageClient, uri: str, rule: str) -> list[types.Diagnostic]:
    return await until(
        lambda: [d for d in client.diagnostics.get(uri, []) if d.code == rule],
        lambda: f"{rule} on {uri}: {client.diagnostics.get(uri)}",
    )


def sandboxed_under(pid: int) -> bool:
    """Whether a sandbox harness runs below process pid (the job is inside the sandbox)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:  # "pid (comm) state ppid ...": comm may hold spaces or parentheses
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    for child, parent in parents.items():
        ancestor = parent
        while ancestor not in (0, 1, pid) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor == pid:
            try:
                if b"harness.py" in Path(f"/proc/{child}/cmdline").read_bytes():
                    return True
            except OSError:
                continue
    return False


async def test_breaking_edit_gets_failing_test_diagnostics(client: LanguageClient, tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", {"calc.py": CALC.format(delay=0), "test_calc.py": TESTS})
    calc_uri = open_file(client, root / "calc.py")
    test_uri = open_file(client, root / "test_calc.py")
    result = await save(client, root / "calc.py", CALC.format(delay=0).replace("return a + b", "return a - b"))
    assert "1 failed" in result["summary"]
    assert result["backend"] == "process" and result["why"]
    # the run was shown as work-done progress: begin ... end, with the summary at the end
    [reports] = [r for t, r in client.progress_reports.items() if str(t).startswith("codie-runtime-")]
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    assert "1 failed" in (reports[-1].message or "")
    at_test = await diagnostics_with(client, test_uri, "RUN001")
    assert at_test and at_test[0].range.start.line == 4  # `assert add(2, 3) == 5`
    assert "test_add" in at_test[0].message and "assert -1 == 5" in at_test[0].message
    at_code = await diagnostics_with(client, calc_uri, "RUN002")
    assert at_code and at_code[0].range.start.line == 3  # `def add`
    # fixing it clears both
    await save(client, root / "calc.py", CALC.format(delay=0))
    await until(
        lambda: not [d for d in client.diagnostics.get(calc_uri, []) if d.code == "RUN002"],
        lambda: f"RUN002 gone from calc.py: {client.diagnostics.get(calc_uri)}",
    )


async def test_slowing_edit_gets_slowed_down(client: LanguageClient, tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", {"calc.py": CALC.format(delay=0.02), "test_calc.py": TESTS})
    calc_uri = open_file(client, root / "calc.py")
    for _ in range(3):  # the history a z-score needs (CODIE_RUNTIME_MIN_HISTORY=3)
        result = await save(client, root / "calc.py", CALC.format(delay=0.02))
        assert "2 passed" in result["summary"]
    result = await save(client, root / "calc.py", CALC.format(delay=0.6))
    assert "1 slowed down" in result["summary"]
    slow = await diagnostics_with(client, calc_uri, "RUN003")
    assert slow, client.diagnostics.get(calc_uri)
    assert slow[0].range.start.line == 7  # `def slow_sum`
    assert "slow_sum" in slow[0].message and "z = " in slow[0].message
    assert "over the last 3 runs" in slow[0].message


async def test_killed_worker_is_restarted_and_the_job_finishes(client: LanguageClient, tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "proj",
        {
            "calc.py": CALC.format(delay=0),
            "test_calc.py": TESTS + "\n\ndef test_wait():\n    import time\n    time.sleep(2)\n",
        },
    )
    open_file(client, root / "calc.py")
    waiter = client.protocol.wait_for_notification_async(RESULT)  # registered before the trigger
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri=(root / "calc.py").as_uri()))
    )

    async def running_worker() -> int | None:
        status = as_dict(await client.protocol.send_request_async("codie/runtimeStatus", {}))
        return int(status["worker_pid"]) if status["worker_pid"] and status["running"] else None

    pid = await until(running_worker, "the worker to take the job")
    await until(lambda: sandboxed_under(pid), "the job to run inside the sandbox")
    os.kill(pid, signal.SIGKILL)
    result = as_dict(await asyncio.wait_for(waiter, TIMEOUT))
    assert result["state"] == "done" and "3 passed" in result["summary"]
    status = as_dict(await client.protocol.send_request_async("codie/runtimeStatus", {}))
    assert status["restarts"] >= 1 and status["worker_pid"] not in (None, pid)


async def test_pull_clients_see_the_results(client: LanguageClient, tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", {"calc.py": CALC.format(delay=0), "test_calc.py": TESTS})
    calc_uri = open_file(client, root / "calc.py")
    open_file(client, root / "test_calc.py")

    async def pull(previous: str | None) -> Any:
        return await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(
                text_document=types.TextDocumentIdentifier(uri=calc_uri), previous_result_id=previous
            )
        )

    first = await pull(None)
    assert not [d for d in first.items if str(d.code).startswith("RUN")]
    # only the test changes: calc.py's text and version stay, its diagnostics must not
    await save(client, root / "test_calc.py", TESTS.replace("== 5", "== 6"))
    again = await pull(first.result_id)
    assert again.kind == "full"
    assert [d.code for d in again.items if str(d.code).startswith("RUN")] == ["RUN002"]


async def test_progress_never_outlives_the_runs(client: LanguageClient, tmp_path: Path) -> None:
    """Two saves in quick succession: when the runs are over, no status-bar progress of
    either is left open (a superseded run's progress ends with the newer run)."""
    root = write_project(tmp_path / "proj", {"calc.py": CALC.format(delay=0), "test_calc.py": TESTS})
    path = root / "calc.py"
    uri = open_file(client, path)
    waiter = client.protocol.wait_for_notification_async(RESULT)  # registered before the trigger
    for version, text in ((2, CALC.format(delay=0).replace("return a + b", "return b + a")), (3, CALC.format(delay=0))):
        path.write_text(text)
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                [types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
    await asyncio.wait_for(waiter, TIMEOUT)

    def still_open() -> list[str]:
        return [
            str(t)
            for t, r in client.progress_reports.items()
            if str(t).startswith("codie-runtime-") and r and not isinstance(r[-1], types.WorkDoneProgressEnd)
        ]

    await until(lambda: not still_open(), lambda: f"the progress of every run to end: {still_open()} open")
