"""`codie worker`: the background job worker (started by the language server, or standalone)."""

from __future__ import annotations

import argparse
from pathlib import Path

from codie.cli.main import UsageError
from codie.cli.validate import add_lease_option, lease_seconds
from codie.store import default_path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("worker", help="run the background job worker")
    p.add_argument(
        "--db",
        help="queue: a SQLite file (default: ./.codie/codie.db) or a "
        "postgresql://user@host/dbname URL shared by workers on many hosts",
    )
    p.add_argument(
        "--standalone", action="store_true", help="no protocol on stdio: just run queued jobs until interrupted"
    )
    add_lease_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sqlite3

    from codie.worker.main import main
    from codie.worker.queue import QueueError

    db = args.db or default_path(Path.cwd())
    lease = lease_seconds(args.lease)
    try:
        return main(db, standalone=args.standalone, lease=lease)
    except QueueError as exc:
        raise UsageError(str(exc)) from None
    except (OSError, sqlite3.Error) as exc:
        raise UsageError(f"cannot open the job queue {db}: {exc}") from None
