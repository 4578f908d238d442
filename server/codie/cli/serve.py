"""`codie serve`: the language server over stdio (default) or TCP."""

from __future__ import annotations

import argparse
import sys

from codie.cli.main import UsageError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="run the language server (stdio by default)")
    p.add_argument("--stdio", action="store_true", help="talk LSP over stdin/stdout (default)")
    p.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP address instead")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from codie.lsp.server import build_server

    # Background threads (indexing, deferred analyzers) do pure-Python work that holds the
    # GIL; a 1 ms switch interval (default 5 ms) hands it back to the event loop sooner.
    sys.setswitchinterval(0.001)
    server = build_server()
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit() or int(port) > 65535:
            raise UsageError(f"--tcp wants HOST:PORT (a port up to 65535), got {args.tcp!r}")
        server.start_tcp(host, int(port))
    else:
        server.start_io()
    return 0
