"""`codie webhook`: the pull-request webhook service (see codie/pr/webhook.py)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
from pathlib import Path

from codie.cli.main import UsageError
from codie.cli.validate import add_lease_option, lease_seconds, port, readable_file


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("webhook", help="serve GitHub pull_request webhooks and check pull requests")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8787)
    p.add_argument("--secret-file", type=Path, help="file with the webhook secret (else $CODIE_WEBHOOK_SECRET)")
    p.add_argument(
        "--db",
        default=".codie/webhook.db",
        help="queue and delivery log: a SQLite file, or a postgresql:// URL that "
        "`codie worker --standalone --db URL` processes on other hosts share",
    )
    p.add_argument("--max-body", type=int, default=5 * 1024 * 1024, help="largest delivery accepted, bytes")
    p.add_argument("--workers", type=int, default=1, help="embedded pr-check workers (0: use `codie worker`)")
    add_lease_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import codie.pr.conversation
    import codie.pr.job  # noqa: F401  (registers the pr-check handler)
    from codie.pr.webhook import WebhookService, serve
    from codie.worker.handlers import load_modules
    from codie.worker.queue import QueueError

    for problem in load_modules():  # the embedded workers run every registered kind
        print(f"codie webhook: {problem}", file=sys.stderr)

    port(args.port)
    if args.workers < 0 or args.max_body < 1:
        raise UsageError("--workers must be 0 or more and --max-body at least 1 byte")
    secret = (
        readable_file(args.secret_file, "--secret-file").strip()
        if args.secret_file
        else os.environ.get("CODIE_WEBHOOK_SECRET", "")
    )
    if not secret:
        raise UsageError("a webhook secret is required: --secret-file or $CODIE_WEBHOOK_SECRET")
    lease = lease_seconds(args.lease)
    try:
        service = WebhookService(secret.encode(), args.db, args.max_body, args.workers, lease)
    except QueueError as exc:
        raise UsageError(str(exc)) from None
    except (OSError, sqlite3.Error) as exc:
        raise UsageError(f"cannot open the job queue {args.db}: {exc}") from None
    service.start_workers()

    async def main() -> None:
        runner = await serve(service, args.host, args.port)
        port = runner.addresses[0][1] if runner.addresses else args.port  # --port 0: the one bound
        print(f"codie webhook listening on http://{args.host}:{port}/webhook", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    try:
        asyncio.run(main())
    finally:
        service.close()
    return 0
