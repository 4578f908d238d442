"""`codie worker`: the background job worker (started by the language server, or standalone)."""

from __future__ import annotations

import argparse
from pathlib import Path

from codie.cli.main import UsageError
from codie.store import default_path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("worker", help="run the background job worker")
    p.add_argument("--db", type=Path, help="queue database (default: ./.codie/codie.db)")
    p.add_argument("--standalone", action="store_true",
                   help="no protocol on stdio: just run queued jobs until interrupted")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sqlite3

    from codie.worker.main import main

    db = args.db or default_path(Path.cwd())
    try:
        return main(db, standalone=args.standalone)
    except (OSError, sqlite3.Error) as exc:
        raise UsageError(f"cannot open the job queue {db}: {exc}") from None
