"""Publish the first file's diagnostics (or answer its first pull) before pygls is imported.

The first document an editor opens waited for pygls and lsprotocol (~600 ms of CPU with no
code cache, ~400 with it) before its analysis started: `codie serve` answers `initialize`
before importing them (lsp/early.py), and the client's `initialized` and `didOpen` follow
at once. Here the start path reads them too, analyses the document with the server's own
parts (the analyzers and catalogue it then hands to the server, the engine, the present
step of lsp/presenting.py, the finding transform of lsp/rescoring.py, the encoder of
lsp/convert.py), writes the server's first publishDiagnostics for it, and puts the
messages back for the server, which handles them as usual.

What is published is the set the server publishes first for that document, and only when
what decides it is known here:

- the settings: the defaults, the client's `initializationOptions`, the folder's
  `[tool.codie]`; a `workspace/configuration` answer comes later than this document's
  analysis in the server too (it asks once `initialized` is handled, after `didOpen` was
  read), so it changes none of its first set. Any message between `initialized` and
  `didOpen` (`workspace/didChangeConfiguration` from Neovim, say) and nothing is published
  here: its effect on the server's first set would depend on timing;
- the services the server's first analysis sees (`_services`: runtime results, style
  models, metrics and other modules' texts, none of them there yet at start);
- an `initialize` answered early, a document not refused, no analyzer failing, no focus
  on new code (the ref's text is read in a thread), no baseline (read here it would be the
  same, but its cache is the server's).

The server still analyses the document and compares its first publish with the one sent
(CodieServer._send_publish): equal, it is not sent again; different (which the above
should not allow), the server's follows and a warning is logged.
`tests/lsp/test_early_open.py` compares the two for real editors' requests.

A large document (lsp/scheduling.py PROGRESSIVE_BYTES) publishes its per-statement
findings first: so does this path, and the server then publishes the complete set.

A pull client (`textDocument.diagnostic` in its capabilities) is published nothing: it
asks. VS Code's languageclient 9 (clients/vscode) asks right after the didOpen, so when
the next message is that document's `textDocument/diagnostic` (no previousResultId),
this path answers it with what lsp/features/diagnostics.py answers: the complete set
(a large document's per-statement set when the client pulls again on refresh, as the
server's pull_report does), and the resultId CodieServer.result_id computes
(convert.report_id: a digest of the diagnostics answered; nothing of one process), so
that the client's next pull gets "unchanged". That request is not put back: the server
never sees it. It compares its first complete set of the document with the answer
(CodieServer._check_first_pull): different, it asks the client to pull again. Neovim (0.10+) pulls too, but sends
`workspace/didChangeConfiguration` between `initialized` and didOpen: the server answers
it. A pull client whose next message is anything else (a hover, an edit, or nothing
within WAIT_PULL) is answered by the server as well.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from typing import IO

    from codie.core.analyzer import Analyzer
    from codie.core.rules import Catalogue
    from codie.lsp.early import EarlyAnswer
    from codie.lsp.framing import FramedStdin
    from codie.lsp.server import CodieServer

# How long the start waits for the client's `initialized`, then for its `didOpen`, once the
# analyzers are imported: an editor sends both as soon as `initialize` is answered; one that
# opens no document costs the server's start this much at most.
WAIT_INITIALIZED = 0.2
WAIT_OPEN = 0.05
# ... and for a pull client's first `textDocument/diagnostic`, once `didOpen` was read:
# VS Code's languageclient 9 sends it right after the didOpen it pulls for
WAIT_PULL = 0.05
STEP = 3600.0  # seconds of analysis per engine step: nothing else to serve meanwhile
SWITCH = "CODIE_EARLY_PUBLISH"  # "0": never publish before the server exists
PUBLISH = "textDocument/publishDiagnostics"
PULL = "textDocument/diagnostic"


@dataclass
class EarlyOpen:
    """What the start path published, and what it loaded, for the server to take over."""

    catalogue: Catalogue
    analyzers: tuple[Analyzer, ...]
    uri: str | None = None  # the document published (or whose pull was answered), None when nothing was
    params: str = ""  # the publishDiagnostics params sent (JSON text)
    result_id: str | None = None  # the resultId of the pull answered (the request is not put back)
    partial: bool = False  # what was sent is a large document's per-statement set
    why_not: str = ""  # why nothing was published (logged by the server, for -v)


@dataclass
class _Hooks:
    finding_transforms: list[Any] = field(default_factory=list)


@dataclass
class _Presenting:
    """What lsp/presenting.presentation reads of the server, before the server exists."""

    settings: Any
    services: Any
    hooks: _Hooks
    catalogue: Catalogue


def _message(body: bytes) -> dict[str, Any] | None:
    try:
        msg = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return msg if isinstance(msg, dict) and msg.get("jsonrpc") == "2.0" else None


def _folders(params: dict[str, Any]) -> list[Any] | None:
    """The server's folders (CodieServer.folder_paths over pygls's workspace), or None
    when they are not known here."""
    from codie.lsp.settings import uri_to_path

    found = []
    for folder in params.get("workspaceFolders") or []:
        path = uri_to_path(folder["uri"])
        if path is not None:
            found.append(path)
    if found:
        return found
    root = params.get("rootUri")
    if root is None:
        return None if params.get("rootPath") is not None else []  # (pygls makes a URI of it)
    path = uri_to_path(root) if isinstance(root, str) else None
    return [path] if path is not None else []


class _NoMetricsYet:
    """The server's metrics cache (lsp/features/code_lens.py) before the metrics child has
    answered for any document: CPX004 waits for it (analyzers/complexity.py)."""

    def latest(self, uri: str) -> None:
        return None


def _services(uri: str, source: bytes) -> dict[str, Any]:
    """What the server's services share with the analyzers (ctx.services) when it analyses
    its first document: the runtime results, the style models and the metrics (none yet),
    the other modules' texts for cross-module taint (none read yet; the open buffers are
    this document)."""
    from codie.analyzers.security.crossmodule import SERVICE as SOURCES
    from codie.analyzers.security.crossmodule import WorkspaceSources
    from codie.analyzers.style.service import SERVICE as STYLE
    from codie.analyzers.style.service import StyleService
    from codie.runtime.state import SERVICE as RUNTIME
    from codie.runtime.state import RuntimeState

    sources = WorkspaceSources()
    sources.documents = lambda path: source if path.as_uri() == uri else None  # (server.document)
    return {RUNTIME: RuntimeState(), STYLE: StyleService(), "metrics": _NoMetricsYet(), SOURCES: sources}


def publish_first(stdin: FramedStdin, stdout: IO[bytes], early: EarlyAnswer | None) -> EarlyOpen | None:
    """Read the client's `initialized` and first `didOpen` if they come at once, and publish
    that document's first diagnostics when they are known (see the module docstring). The
    messages read are put back for the server. None when nothing was loaded."""
    if early is None or not early.answered or os.environ.get(SWITCH) == "0":
        return None
    from codie.lsp.early import read_message

    held: list[tuple[bytes, bytes]] = []
    try:
        read = read_message(stdin)  # the `initialize` answered (lsp/early.py put it back)
        if read is None:
            return None
        held.append(read)
        # the server loads them anyway (in a thread once `initialize` is handled): it takes
        # these; loaded while the client reads the answer and sends `initialized`, `didOpen`
        from codie.analyzers import registered
        from codie.core.rules import catalogue

        try:
            loaded = EarlyOpen(catalogue(), registered())
        except Exception:  # the server loads them again, and reports why they fail
            return None
        params: Any = None  # the didOpen's, once both came in this order
        for method, wait in (("initialized", WAIT_INITIALIZED), ("textDocument/didOpen", WAIT_OPEN)):
            name = method.rsplit("/", 1)[-1]
            if not stdin.wait(wait) or (read := read_message(stdin)) is None:
                loaded.why_not = f"no {name} came at once"
                return loaded
            held.append(read)
            msg = _message(read[1])
            if msg is None or msg.get("method") != method or "id" in msg:
                loaded.why_not = f"another message came before {name}"
                return loaded
            params = msg.get("params")
        pull = None
        if _pulls(early.params):
            if not stdin.wait(WAIT_PULL) or (read := read_message(stdin)) is None:
                loaded.why_not = "a pull-diagnostics client that did not pull at once"
                return loaded
            held.append(read)
            pull = _first_pull(_message(read[1]), params)
            if pull is None:
                loaded.why_not = "a pull-diagnostics client whose next message was not the document's pull"
                return loaded
        try:
            loaded.why_not = _publish(stdout, early, params, loaded, pull)
        except Exception as exc:  # (a bug here must not stop the server: it analyses anyway)
            loaded.why_not = f"{type(exc).__name__}: {exc}"
        if loaded.result_id is not None:
            held.pop()  # answered: the server must not answer it again
        return loaded
    finally:
        for header, body in reversed(held):  # (each goes in front of the input)
            stdin.unread(header, body)


def _pulls(init: dict[str, Any]) -> bool:
    """The client pulls diagnostics (the server's `initialize` handler decides the same)."""
    caps = init.get("capabilities") or {}
    text_caps = caps.get("textDocument") if isinstance(caps, dict) else None
    return isinstance(text_caps, dict) and text_caps.get("diagnostic") is not None


def _refreshes(init: dict[str, Any]) -> bool:
    """The client pulls again when asked to (CodieServer.refreshes decides the same)."""
    caps = init.get("capabilities") or {}
    workspace = caps.get("workspace") if isinstance(caps, dict) else None
    diagnostics = workspace.get("diagnostics") if isinstance(workspace, dict) else None
    return isinstance(diagnostics, dict) and bool(diagnostics.get("refreshSupport"))


def _first_pull(msg: dict[str, Any] | None, opened: Any) -> dict[str, Any] | None:
    """msg when it is a well-formed first pull of the document didOpen opened (no previous
    resultId: a client that has one knows more than this path); else None."""
    if msg is None or msg.get("method") != PULL:
        return None
    msg_id, params = msg.get("id"), msg.get("params")
    if isinstance(msg_id, bool) or not isinstance(msg_id, (int, str)) or not isinstance(params, dict):
        return None
    item = opened.get("textDocument") if isinstance(opened, dict) else None
    uri = item.get("uri") if isinstance(item, dict) else None
    if params.get("textDocument") != {"uri": uri} or params.get("previousResultId") is not None:
        return None
    allowed = {
        "textDocument": (dict,),
        "identifier": (str,),
        "workDoneToken": (int, str),
        "partialResultToken": (int, str),
    }
    for key, value in params.items():
        kinds = allowed.get(key, ())
        if key != "previousResultId" and (isinstance(value, bool) or not isinstance(value, kinds)):
            return None  # the server's rules answer it (an error, or what it makes of it)
    return msg


def _publish(
    stdout: IO[bytes], early: EarlyAnswer, params: Any, loaded: EarlyOpen, pull: dict[str, Any] | None = None
) -> str:
    """Analyse, present and publish the document of didOpen's params (or answer its first
    pull, when the client pulls); "" once done, else why not."""
    init = early.params
    item = params.get("textDocument") if isinstance(params, dict) else None
    if not isinstance(item, dict):
        return "malformed didOpen"
    uri, text, version, language = item.get("uri"), item.get("text"), item.get("version"), item.get("languageId")
    if not (
        isinstance(uri, str)
        and isinstance(text, str)
        and isinstance(version, int)
        and not isinstance(version, bool)
        and isinstance(language, str)
    ):
        return "malformed didOpen"
    folders = _folders(init)
    if folders is None:
        return "a rootPath without rootUri"

    from codie.core.analyzer import Context
    from codie.core.document import Document
    from codie.core.engine import DocumentAnalysis
    from codie.core.files import max_file_bytes, problem_of
    from codie.lsp.convert import DiagnosticCache, publish_params, report_id, report_json
    from codie.lsp.framing import notification, response
    from codie.lsp.new_code import ref_of
    from codie.lsp.presenting import BaselineOptions, presentation
    from codie.lsp.rescoring import Rescorer
    from codie.lsp.scheduling import PROGRESSIVE_BYTES
    from codie.lsp.services import Services
    from codie.lsp.settings import FolderSettings

    # the server's `initialize` handler (lsp/features/configuration.py)
    settings = FolderSettings()
    settings.set_client(init.get("initializationOptions") or {})
    settings.set_folders(folders)
    folder_settings = settings.for_uri(uri)
    if problem_of(text.encode("utf-8", "surrogatepass"), max_file_bytes(folder_settings)) is not None:
        return "a document the server refuses"
    if ref_of(folder_settings) is not None:
        return "focus on new code"
    folder = settings.folder_of(uri)
    if folder is not None and BaselineOptions.of(folder_settings).path_in(folder).exists():
        return "a baseline"
    # CodieServer.open_document, with what the server's services share at that moment
    doc = Document(uri, text, version, "python" if language == "python" else None)
    failed: list[str] = []
    ctx = Context(doc, loaded.catalogue, folder_settings, root=folder, services=_services(uri, doc.source))
    analysis = DocumentAnalysis(ctx, loaded.analyzers, on_error=lambda analyzer, exc: failed.append(analyzer.name))
    # lsp/scheduling.py: a large document publishes its per-statement findings first; a
    # pull gets them first too when the client pulls again on refresh (the server asks it
    # once its complete set is ready: CodieServer.pull_report), else the complete set
    progressive = len(doc.source) >= PROGRESSIVE_BYTES and (pull is None or _refreshes(init))
    partial = False
    analysis.pause_before_whole = progressive
    while not analysis.step(STEP):
        if progressive and analysis.statements_current:
            partial = True
            break
        analysis.pause_before_whole = progressive
    if failed or analysis.disabled:
        return "an analyzer failed"
    rescorer = Rescorer()  # (lsp/features/llm_review.py's transform, with no store or verdict yet)
    hooks = _Hooks([lambda ls, analysis, found: rescorer.rescore_all(analysis, found)])
    # (what presentation() reads of a CodieServer, which does not exist yet)
    stand_in = cast("CodieServer", _Presenting(settings, Services(), hooks, loaded.catalogue))
    shown = presentation(stand_in, analysis, partial=partial)
    if shown is None:
        return "the first set is not known yet"
    encoding = str((early.sent or {}).get("capabilities", {}).get("positionEncoding", "utf-16"))
    texts = [text for _, text in DiagnosticCache().encode(doc, shown.visible, encoding, folder_settings.severity_of)]
    if pull is not None:  # lsp/features/diagnostics.py's answer, with the server's resultId
        result_id = report_id(texts)
        stdout.write(response(pull["id"], report_json(result_id, texts)))
        loaded.result_id = result_id
        loaded.partial = partial
    else:
        loaded.params = publish_params(uri, version, texts)
        stdout.write(notification(PUBLISH, loaded.params))
    stdout.flush()
    loaded.uri = uri
    return ""
