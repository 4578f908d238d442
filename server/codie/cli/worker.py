"""`codie worker`: the background job worker (started by the language server, or standalone)."""

from __future__ import annotations

import argparse
from pathlib import Path

from codie.store import default_path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("worker", help="run the background job worker")
    p.add_argument("--db", type=Path, help="queue database (default: ./.codie/codie.db)")
    p.add_argument("--standalone", action="store_true",
                   help="no protocol on stdio: just run queued jobs until interrupted")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from codie.worker.main import main

    return main(args.db or default_path(Path.cwd()), standalone=args.standalone)
