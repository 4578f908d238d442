"""`codie serve`: the language server over stdio (default) or TCP."""

from __future__ import annotations

import sys

from codie.cli.main import UsageError

# `codie serve` answers `initialize` before it imports typing (a third of the imports before
# the answer): type checkers read this constant as True.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from codie.lsp.early import EarlyAnswer
    from codie.lsp.early_open import EarlyOpen
    from codie.lsp.framing import FramedStdin

# The command lines on which the first message is read before the arguments are parsed
# (answer_early): they cannot fail to parse, so an answer sent cannot be followed by an
# argument error. (Anything else, e.g. --tcp, starts the usual way.)
EARLY_WORDS = frozenset({"serve", "--stdio", "-v", "-vv", "--verbose"})
# stdin, the `initialize` request read by answer_early and what was published before the
# server existed, for run
_started: tuple[FramedStdin, EarlyAnswer | None, EarlyOpen | None] | None = None


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="run the language server (stdio by default)")
    p.add_argument("--stdio", action="store_true", help="talk LSP over stdin/stdout (default)")
    p.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP address instead")
    p.set_defaults(func=run)


def answer_early(words: list[str]) -> None:
    """Called by the `codie` command before it parses its arguments (or imports argparse
    and logging): on a plain `codie serve [--stdio]`, read the first message and answer it
    when it is `initialize`. The editor waits for that answer before anything else."""
    global _started
    if words.count("serve") == 1 and EARLY_WORDS.issuperset(words):
        _started = _start()


def _start() -> tuple[FramedStdin, EarlyAnswer | None, EarlyOpen | None]:
    # Only what answering `initialize` needs is imported before it is answered.
    from codie.lsp.early import answer_initialize
    from codie.lsp.framing import FramedStdin

    # pygls's reader skips what it cannot parse and waits; FramedStdin turns a framing
    # error into the end of input, so that the editor sees the exit and restarts us
    stdin = FramedStdin(sys.stdin.buffer)
    # `initialize` answered before pygls is imported (lsp/early.py: from an earlier start's
    # answer, or computed from the real server's recorded one); the server reads the
    # message again
    early = answer_initialize(stdin, sys.stdout.buffer)
    # the first document's diagnostics, when the editor opens one at once, before pygls is
    # imported (lsp/early_open.py); the server reads those messages again too
    from codie.lsp.early_open import publish_first

    return stdin, early, publish_first(stdin, sys.stdout.buffer, early)


def run(args: argparse.Namespace) -> int:
    global _started
    early: EarlyAnswer | None = None
    early_open: EarlyOpen | None = None
    if not args.tcp:
        stdin, early, early_open = _started or _start()
        _started = None
    from typing import BinaryIO, cast

    from codie.lsp.codecache import cached_compiles

    # lsprotocol's ~560 attrs classes are most of the time before the server can read a
    # message; the code attrs compiles for them is cached on disk (lsp/codecache.py), and so
    # is the code cattrs generates to decode and encode the first messages
    with cached_compiles("attr._make", "cattrs.gen"):
        from codie.lsp.server import build_server, limit_malloc_arenas

        server = build_server()
        server.protocol.prepare()
    server.protocol.early = early
    if early_open is not None:
        server.take_over(early_open)
    limit_malloc_arenas()  # before the server's threads exist
    # Background threads (indexing, deferred analyzers) do pure-Python work that holds the
    # GIL; a 1 ms switch interval (default 5 ms) hands it back to the event loop sooner.
    sys.setswitchinterval(0.001)
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit() or int(port) > 65535:
            raise UsageError(f"--tcp wants HOST:PORT (a port up to 65535), got {args.tcp!r}")
        server.start_tcp(host, int(port))
        return 0
    server.input_pending = stdin.pending  # the scheduler reads a burst before analysing
    server.start_io(cast(BinaryIO, stdin))  # (FramedStdin reads like one)
    if stdin.error is not None:
        print(f"codie serve: LSP framing error: {stdin.error}", file=sys.stderr)
        return 1
    return server.exit_code
