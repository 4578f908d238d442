"""Answer `initialize` before the server is imported.

The answer (the server's capabilities and info) depends only on the code and the request:
the client's capabilities and initialization options, not on its process id, folders or
locale. Importing pygls, lsprotocol and the features takes most of half a second, and the
editor waits for the answer before it sends anything else. So `codie serve` reads the
first message itself; when it is an `initialize` request it answers at once and builds
the server meanwhile, with

1. the answer to the same request filed by an earlier start (keyed by the request and a
   fingerprint of the code: Codie's, pygls's, lsprotocol's and cattrs's files), else
2. the answer computed from what the real server answered when the package was built
   (lsp/early_answer.py, data/initialize.json): a cold start needs no file of its own.

The server then handles the same message as usual (its workspace, encoding and settings
come from it), and CodieProtocol drops its own answer after comparing it with the one
sent; a difference (which neither way should allow) is logged and the server's answer
filed, so that the next start sends it. When neither way knows the answer, the server
answers as usual and the answer is filed for the next start.

Standard library only (with lsp/framing, lsp/early_answer and core/cachedir): it runs
before pygls. It imports little, too: everything here happens before the answer.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

from codie import __version__
from codie.core.cachedir import user_cache_dir
from codie.lsp import early_answer

# `codie serve` answers `initialize` before it imports typing (a third of the imports before
# the answer): type checkers read this constant as True.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    from pathlib import Path
    from typing import IO, Any

    from codie.lsp.framing import FramedStdin


def _log() -> logging.Logger:
    """This module's logger: logging is imported once the answer is out (it and what it
    imports cost the answer several ms)."""
    import logging

    return logging.getLogger(__name__)


# Request fields that do not change the answer (LSP 3.17 InitializeParams).
IGNORED = ("processId", "clientInfo", "locale", "rootPath", "rootUri", "workspaceFolders", "trace", "workDoneToken")
KEEP = 8  # answers on file (one per client configuration in use)
PACKAGES = ("codie", "pygls", "lsprotocol", "cattrs")  # whose files make the answer


def fingerprint() -> str:
    """The code behind the answer: every file of PACKAGES, by name, size and mtime."""
    import hashlib  # (here: imported only when an answer is on file, or filed)

    digest = hashlib.blake2b(f"{__version__} {sys.version}".encode(), digest_size=16)
    for name in PACKAGES:
        root = _package_dir(name)
        if root is None:
            digest.update(f"{name}: missing".encode())
            continue
        for path, stat in sorted(_files(root)):
            digest.update(f"{path} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _package_dir(name: str) -> str | None:
    module = sys.modules.get(name)
    if module is not None and getattr(module, "__file__", None):
        return os.path.dirname(str(module.__file__))
    for entry in sys.path:
        candidate = os.path.join(entry or ".", name)
        if os.path.isfile(os.path.join(candidate, "__init__.py")):
            return candidate
    return None


def _files(root: str) -> list[tuple[str, os.stat_result]]:
    found: list[tuple[str, os.stat_result]] = []
    stack = [root]
    while stack:
        with contextlib.suppress(OSError), os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        stack.append(entry.path)
                elif entry.name.endswith((".py", ".toml", ".json")):
                    found.append((entry.path, entry.stat()))
    return found


def _well_typed(params: dict[str, Any]) -> bool:
    """The ignored fields have their LSP types: a request the server would reject (e.g. a
    string processId) must get the server's error, not an answer from the file."""

    def opt(name: str, *kinds: type) -> bool:
        value = params.get(name)
        return value is None or (isinstance(value, kinds) and not isinstance(value, bool))

    folders = params.get("workspaceFolders")
    return (
        opt("processId", int)
        and opt("rootUri", str)
        and opt("rootPath", str)
        and opt("locale", str)
        and opt("workDoneToken", int, str)
        and opt("clientInfo", dict)
        and params.get("trace") in (None, "off", "messages", "verbose")
        and isinstance(params.get("capabilities"), dict)
        and (
            folders is None
            or (
                isinstance(folders, list)
                and all(
                    isinstance(f, dict) and isinstance(f.get("uri"), str) and isinstance(f.get("name"), str)
                    for f in folders
                )
            )
        )
    )


def request_key(params: dict[str, Any], code: str) -> str:
    import hashlib

    kept = {k: v for k, v in params.items() if k not in IGNORED}
    text = json.dumps({"code": code, "params": kept}, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def default_path() -> Path:
    return user_cache_dir() / "initialize.json"


class EarlyAnswer:
    """The `initialize` request read before the server existed, and what was sent for it."""

    def __init__(
        self, msg_id: int | str, params: dict[str, Any], path: Path, answers: dict[str, Any] | None = None
    ) -> None:
        self.msg_id = msg_id
        self.params = params
        self.path = path
        self.sent: Any = None  # the result already written to the client, or None
        self.source = ""  # where it came from: "file" (filed by an earlier start) or "computed"
        self.answers = answers or {}  # the file's content
        self._key: str | None = None

    @property
    def key(self) -> str:
        """The request's key in the file (computed when needed: the fingerprint walks the
        packages' folders, which a cold start answered from data/ does not need)."""
        if self._key is None:
            self._key = request_key(self.params, fingerprint())
        return self._key

    @property
    def answered(self) -> bool:
        return self.sent is not None

    def settle(self, result: Any) -> None:
        """The server's own answer: file it (new, or different from the one sent)."""
        if result == self.sent:
            return
        if self.answered:
            _log().warning(
                "the initialize answer sent early (%s) differed from the server's; the server's is filed for the "
                "next start",
                "filed by an earlier start" if self.source == "file" else "computed from data/initialize.json",
            )
        answers = {k: v for k, v in self.answers.items() if k != self.key}
        answers[self.key] = result  # newest last; the oldest go past KEEP
        self._write(dict(list(answers.items())[-KEEP:]))

    def _write(self, answers: dict[str, Any]) -> None:
        import tempfile

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".initialize-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w") as f:
                    json.dump(answers, f)
                os.replace(tmp, self.path)  # atomic: a concurrent start reads old or new
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:  # a read-only home: every start answers the slow way
            _log().debug("cannot write %s: %s", self.path, exc)


def read_message(stdin: FramedStdin) -> tuple[bytes, bytes] | None:
    """One framed message (its header block and body), or None at end of input or on a
    framing error (stdin.error says which; the server then stops as it would have)."""
    header = b""
    length = None
    while True:
        line = stdin.readline()
        if not line:
            return None
        header += line
        if line == b"\r\n":
            break
        if line.startswith(b"Content-Length: "):
            length = int(line[16:])
    body = stdin.read(length) if length is not None else b""
    return (header, body) if body else None


def answer_initialize(stdin: FramedStdin, stdout: IO[bytes], path: Path | None = None) -> EarlyAnswer | None:
    """Read the first message; answer it when it is an `initialize` whose answer is known
    (filed by an earlier start, or computed: lsp/early_answer.py).

    The message is put back in front of stdin either way. None when it is not an
    `initialize` request (the server then handles it as it would have)."""
    read = read_message(stdin)
    if read is None:
        return None
    header, body = read
    stdin.unread(header, body)
    try:
        message = json.loads(body)
    except (ValueError, RecursionError):
        return None  # the server answers it with a parse error
    if not isinstance(message, dict) or message.get("method") != "initialize" or message.get("jsonrpc") != "2.0":
        return None
    msg_id, params = message.get("id"), message.get("params")
    if isinstance(msg_id, bool) or not isinstance(msg_id, (int, str)) or not isinstance(params, dict):
        return None  # not a well-formed request: the server's rules answer it
    path = path or default_path()
    answers: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError, RecursionError):
        loaded = json.loads(path.read_bytes())
        if isinstance(loaded, dict):
            answers = loaded
    early = EarlyAnswer(msg_id, params, path, answers)
    result = None
    if answers and _well_typed(params):  # no file (a cold start): no fingerprint either
        result = answers.get(early.key)
        early.source = "file"
    if not isinstance(result, dict):
        result = early_answer.answer(params)
        early.source = "computed"
    if isinstance(result, dict):
        reply = json.dumps({"jsonrpc": "2.0", "id": msg_id, "result": result}).encode()
        stdout.write(b"Content-Length: %d\r\n\r\n%s" % (len(reply), reply))
        stdout.flush()
        early.sent = result
    return early
