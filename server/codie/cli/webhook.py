"""`codie webhook`: the pull-request webhook service (see codie/pr/webhook.py)."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from codie.cli.main import UsageError
from codie.cli.validate import port, readable_file


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("webhook", help="serve GitHub pull_request webhooks and check pull requests")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8787)
    p.add_argument("--secret-file", type=Path, help="file with the webhook secret (else $CODIE_WEBHOOK_SECRET)")
    p.add_argument("--db", type=Path, default=Path(".codie/webhook.db"), help="queue and delivery log")
    p.add_argument("--max-body", type=int, default=5 * 1024 * 1024, help="largest delivery accepted, bytes")
    p.add_argument("--workers", type=int, default=1, help="embedded pr-check workers (0: use `codie worker`)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import codie.pr.conversation
    import codie.pr.job  # noqa: F401  (registers the pr-check handler)
    from codie.pr.webhook import WebhookService, serve

    port(args.port)
    if args.workers < 0 or args.max_body < 1:
        raise UsageError("--workers must be 0 or more and --max-body at least 1 byte")
    secret = (readable_file(args.secret_file, "--secret-file").strip() if args.secret_file
              else os.environ.get("CODIE_WEBHOOK_SECRET", ""))
    if not secret:
        raise UsageError("a webhook secret is required: --secret-file or $CODIE_WEBHOOK_SECRET")
    service = WebhookService(secret.encode(), args.db, args.max_body, args.workers)
    service.start_workers()

    async def main() -> None:
        runner = await serve(service, args.host, args.port)
        print(f"codie webhook listening on http://{args.host}:{args.port}/webhook", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    try:
        asyncio.run(main())
    finally:
        service.close()
    return 0
