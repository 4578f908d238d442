"""Runtime tests on save: the worker runs the related tests in a sandbox and the results
come back as RUN0xx diagnostics (through the runtime analyzer), with work-done progress.

Consent: running the tests runs the workspace's code, so it is opt-in per workspace: the
client setting `runtime.onSave` (VS Code `codie.runtime.onSave`; Neovim
`settings.codie.runtime.onSave`), default off. Only the client's settings count, never
the workspace's own pyproject.toml (a cloned repository cannot opt itself in). A client
that knows the workspace is untrusted says `workspace.trusted = false` (VS Code sends
`vscode.workspace.isTrusted`, and again when trust is granted): then nothing runs, on save
or on demand. The tests, and the workspace's `.venv` interpreter, run only in the sandbox.

Environment: CODIE_RUNTIME=off disables it whatever the settings; CODIE_SANDBOX picks the
backend (auto|process|docker); CODIE_RUNTIME_MIN_HISTORY sets the history a slow-down
needs.
Custom request `codie/runtimeStatus` reports the worker, backend and jobs in flight;
command `codie.runTests` runs the tests related to a file (or all) on demand.

A proposed fix (codie.proposeFix, lsp/features/llm_review.py) is verified statically in the
server; its related tests run in the worker too (job "llm.fix-tests"), under the same
consent as tests on save (RuntimeFeature.fix_tests): the answer says which ran, or why none.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types

from codie.lsp.server import CodieServer
from codie.lsp.settings import uri_to_path
from codie.lsp.worker_client import Pending, WorkerClient
from codie.runtime.handler import KIND
from codie.runtime.issues import RuntimeIssue
from codie.runtime.service import find_test_root
from codie.runtime.state import SERVICE, RuntimeState
from codie.store import default_path

log = logging.getLogger(__name__)
STATUS = "codie/runtimeStatus"
RESULT = "codie/runtimeResult"
RUN_COMMAND = "codie.runTests"
FIX_TESTS = "llm.fix-tests"  # the worker job (llm/jobs.py)
FIX_TESTS_WAIT = 600.0  # seconds; a safety net only: the job's own limits end it sooner


class RuntimeFeature:
    def __init__(self, server: CodieServer) -> None:
        self.server = server
        self.state = server.services.get(RuntimeState, name=SERVICE)
        self.client: WorkerClient | None = None
        self.running: dict[str, int] = {}  # file -> job id in flight (a newer save cancels)
        self.tokens: dict[int, str] = {}
        self.last: dict[str, Any] = {}
        self.backend = ""
        self._retired: dict[str, Any] = {}
        self.told_refusal = False

    @property
    def enabled(self) -> bool:
        """Not switched off for the whole server (CODIE_RUNTIME=off)."""
        return os.environ.get("CODIE_RUNTIME", "on").lower() not in ("off", "0", "false", "no")

    def client_table(self, uri: str, name: str) -> dict[str, object]:
        """Table `name` from the client's settings only (initializationOptions,
        didChangeConfiguration, workspace/configuration), never from pyproject.toml."""
        settings = self.server.settings
        folder = settings.folder_of(uri)
        table: dict[str, object] = {}
        for layer in (settings.client, settings.folder_client.get(folder, {}) if folder else {}):
            value = layer.get(name) if isinstance(layer, Mapping) else None
            if isinstance(value, Mapping):
                table.update(value)
        return table

    def trusted(self, uri: str) -> bool:
        """False only when the client said the workspace is untrusted (VS Code)."""
        return self.client_table(uri, "workspace").get("trusted") is not False

    def consent(self, uri: str, on_save: bool) -> str | None:
        """None when the workspace's tests may run now, else why not."""
        if not self.enabled:
            return "runtime tests are switched off (CODIE_RUNTIME=off)"
        if not self.trusted(uri):
            return "the workspace is not trusted: Codie runs none of its code"
        if on_save:
            table = self.client_table(uri, "runtime")
            opted = next((table[k] for k in ("onSave", "on_save", "on-save") if k in table), False)
            if opted is not True:
                return "runtime tests on save are off (opt in: codie.runtime.onSave)"
        return None

    def worker(self, root: Path) -> WorkerClient:
        if self.client is None:
            self.client = WorkerClient(default_path(root))
        return self.client

    # on save ------------------------------------------------------------------------------
    def on_save(self, server: CodieServer, uri: str) -> None:
        path = uri_to_path(uri)
        if path is None or path.suffix != ".py" or self.consent(uri, on_save=True):
            return
        self.submit(uri, path, [path])

    def submit(self, uri: str, path: Path, targets: list[Path]) -> None:
        root = self.root_of(uri, path)
        previous = self.running.pop(str(path), None)
        client = self.worker(root)
        if previous is not None:
            client.cancel(previous)
        payload: dict[str, Any] = {
            "root": str(root),
            "targets": [str(t) for t in targets],
            "backend": os.environ.get("CODIE_SANDBOX", "auto"),
            "db": str(client.db),
        }
        if os.environ.get("CODIE_RUNTIME_MIN_HISTORY", "").isdigit():
            payload["min_history"] = int(os.environ["CODIE_RUNTIME_MIN_HISTORY"])
        pending = Pending(
            on_result=lambda message: self.on_result(root, str(path), message),
            on_progress=self.on_progress,
            on_submitted=lambda job_id: self.on_submitted(str(path), job_id),
        )
        task = asyncio.get_event_loop().create_task(client.submit(KIND, payload, pending))
        task.add_done_callback(_log_failure)

    async def fix_tests(self, uri: str, root: Path | None, new_text: str) -> tuple[bool, str, tuple[str, ...]]:
        """The related tests of a proposed fix whose text is `new_text`, run by the worker
        in the sandbox (never in this process): (ok, what happened, the tests that ran)."""
        path = uri_to_path(uri)
        if path is None or root is None:
            return True, "no project tests to run", ()
        refused = self.consent(uri, on_save=True)
        if refused is not None:
            return True, f"related tests not run: {refused}", ()
        loop = asyncio.get_running_loop()
        done: asyncio.Future[dict[str, Any]] = loop.create_future()
        job: list[int] = []

        def on_result(message: dict[str, Any]) -> None:
            if not done.done():
                done.set_result(message)

        client = self.worker(root)
        payload = {"uri": uri, "root": str(root), "new_text": new_text}
        await client.submit(FIX_TESTS, payload, Pending(on_result=on_result, on_submitted=job.append))
        try:
            message = await asyncio.wait_for(done, FIX_TESTS_WAIT)
        except TimeoutError:
            return True, "related tests NOT run: the worker did not answer", ()
        except asyncio.CancelledError:  # the request was cancelled: so is its test run
            for job_id in job:
                client.cancel(job_id)
            raise
        result = message.get("result")
        if message.get("state") != "done" or not isinstance(result, Mapping):
            return True, f"related tests NOT run: {message.get('error') or message.get('state')}", ()
        tests = tuple(str(t) for t in result.get("tests") or ())
        return bool(result.get("ok")), str(result.get("reason") or ""), tests

    def root_of(self, uri: str, path: Path) -> Path:
        folder = self.server.settings.folder_of(uri)
        if isinstance(folder, Path):
            return folder
        return find_test_root(path)  # as `codie test` does

    # progress -----------------------------------------------------------------------------
    def _progress_supported(self) -> bool:
        window = self.server.client_capabilities.window
        return bool(window and window.work_done_progress)

    def on_submitted(self, file: str, job_id: int) -> None:
        previous = self.running.get(file)
        if previous is not None and previous != job_id:
            self.end_progress(previous, "superseded by a newer run")
        self.running[file] = job_id
        if not self._progress_supported():
            return
        token = f"codie-runtime-{job_id}-{os.getpid()}"
        self.tokens[job_id] = token

        def begin(*_: Any) -> None:
            if self.tokens.get(job_id) != token:
                return  # the run ended before the client created the token: show nothing
            self.server.work_done_progress.begin(
                token,
                types.WorkDoneProgressBegin(
                    title="Codie: running tests", message=Path(file).name, percentage=0, cancellable=True
                ),
            )

        try:
            self.server.work_done_progress.create(token, begin)
        except Exception:  # a client refusing progress must not stop the run
            log.debug("work done progress refused", exc_info=True)

    def end_progress(self, job_id: int, message: str) -> None:
        """End the status-bar progress of a run, so it never outlives the run."""
        token = self.tokens.pop(job_id, None)
        if token is not None and token in self.server.work_done_progress.tokens:
            self.server.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))

    def on_progress(self, job_id: int, fraction: float, message: str) -> None:
        token = self.tokens.get(job_id)
        if token is not None and token in self.server.work_done_progress.tokens:
            self.server.work_done_progress.report(
                token, types.WorkDoneProgressReport(message=message, percentage=int(fraction * 100))
            )

    def on_cancel(self, params: types.WorkDoneProgressCancelParams) -> None:
        for job_id, token in list(self.tokens.items()):
            if token == params.token and self.client is not None:
                self.client.cancel(job_id)

    # results ------------------------------------------------------------------------------
    def on_result(self, root: Path, file: str, message: dict[str, Any]) -> None:
        job_id = int(message["id"])
        if self.running.get(file) == job_id:
            del self.running[file]
        result = message.get("result") or {}
        state = message.get("state")
        summary = self.summary(result, state, message.get("error"))
        self.end_progress(job_id, summary)
        self.last = {
            "job": job_id,
            "state": state,
            "summary": summary,
            "backend": result.get("backend"),
            "why": result.get("why"),
            "isolation": (result.get("run") or {}).get("isolation", []),
            "error": result.get("error") or message.get("error"),
        }
        self.server.protocol.notify(RESULT, {"file": file, **self.last, "issues": result.get("issues", [])})
        if state != "done":
            return
        backend = f"{result.get('backend')} ({result.get('why')})"
        if backend != self.backend:  # tell the user once which sandbox runs their tests
            self.backend = backend
            self.server.window_log_message(
                types.LogMessageParams(types.MessageType.Info, f"Codie runtime: sandbox backend {backend}")
            )
        if result.get("error") and not result.get("tests"):
            self.server.window_log_message(
                types.LogMessageParams(types.MessageType.Warning, f"Codie runtime: {result['error']}")
            )
            if "without isolation" in str(result["error"]) and not self.told_refusal:
                self.told_refusal = True  # once: how to get a sandbox, not at every save
                self.server.window_show_message(
                    types.ShowMessageParams(types.MessageType.Warning, f"Codie: tests not run: {result['error']}")
                )
        issues = [RuntimeIssue(**i) for i in result.get("issues", [])]
        covered = set(result.get("selected", []))
        covered |= {t.get("file", "") for t in result.get("tests", [])}
        for test in result.get("tests", []):
            covered |= {target["file"] for target in test.get("targets", [])}
        changed = self.state.replace(root, issues, covered)
        self.refresh(changed)

    def summary(self, result: dict[str, Any], state: Any, error: Any) -> str:
        if state != "done":
            return f"runtime tests {state}: {error or ''}".strip()
        tests = result.get("tests", [])
        passed = sum(t.get("outcome") == "passed" for t in tests)
        failed = sum(t.get("outcome") in ("failed", "error") for t in tests)
        slow = len(result.get("anomalies", []))
        return f"{passed} passed, {failed} failed, {slow} slowed down [{result.get('backend')}: {result.get('why')}]"

    def refresh(self, paths: set[Path]) -> None:
        touched = False
        for uri, analysis in list(self.server.analyses.items()):
            path = uri_to_path(uri)
            if path is not None and path.resolve() in paths:
                if self.server.pull_diagnostics:
                    # The pull result id covers version, text and the settings object, not
                    # these results: an equal but new settings object makes it change. The
                    # old one stays referenced so that its id cannot be reused.
                    self._retired[uri] = analysis.ctx.settings
                    analysis.ctx.settings = dataclasses.replace(analysis.ctx.settings)
                analysis.invalidate()
                self.server.schedule(uri)
                touched = True
        caps = self.server.client_capabilities.workspace
        if touched and self.server.pull_diagnostics and caps and caps.diagnostics and caps.diagnostics.refresh_support:
            self.server.workspace_diagnostic_refresh(None)

    def status(self, uri: str | None = None) -> dict[str, Any]:
        client = self.client
        refused = self.consent(uri or "", on_save=True)
        return {
            "enabled": refused is None,
            "reason": refused,
            "worker_pid": client.pid if client else None,
            "restarts": client.restarts if client else 0,
            "worker": client.hello.get("worker") if client else None,
            "running": dict(self.running),
            "last": self.last,
        }


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("runtime job submission failed", exc_info=task.exception())


def _mark_editor_loop(ls: CodieServer) -> None:
    """Fix verification must not run tests on this loop (llm/fixes.py): it would block."""
    from codie.llm.fixes import EDITOR_LOOPS

    with contextlib.suppress(RuntimeError):
        EDITOR_LOOPS.add(asyncio.get_running_loop())


def register(server: CodieServer) -> None:
    # a service, so that other features (llm_review's fix verification) can reach it
    feature = server.services.get(RuntimeFeature, lambda: RuntimeFeature(server))
    server.hooks.save.connect(feature.on_save)
    server.hooks.initialized.connect(_mark_editor_loop)

    @server.feature(types.WINDOW_WORK_DONE_PROGRESS_CANCEL)
    def cancel(ls: CodieServer, params: types.WorkDoneProgressCancelParams) -> None:
        feature.on_cancel(params)

    @server.feature(STATUS)
    def status(ls: CodieServer, params: Any) -> dict[str, Any]:
        uri = getattr(params, "uri", None) if params is not None else None
        if uri is None and isinstance(params, Mapping):
            uri = params.get("uri")
        if uri is None and ls.folder_paths():
            uri = ls.folder_paths()[0].as_uri()
        return feature.status(str(uri) if uri else None)

    @server.command(RUN_COMMAND)
    def run_tests(ls: CodieServer, *args: Any) -> dict[str, Any]:
        """Arguments: [uri] (its related tests) or nothing (every test of the workspace)."""
        uri = args[0] if args and isinstance(args[0], str) else None
        path = uri_to_path(uri) if uri else None
        if path is None:
            folders = ls.folder_paths()
            if not folders:
                return {"started": False, "reason": "no workspace folder"}
            path, uri = folders[0], folders[0].as_uri()
        refused = feature.consent(uri or path.as_uri(), on_save=False)
        if refused is not None:  # asked for by the user: consent, unless untrusted
            return {"started": False, "reason": refused}
        feature.submit(uri or path.as_uri(), path, [path] if path.is_file() else [])
        return {"started": True}
