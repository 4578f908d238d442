"""`codie webhook`: receives GitHub pull_request events and queues "pr-check" jobs.

Every delivery is authenticated (X-Hub-Signature-256, compared in constant time), bounded
in size, parsed, de-duplicated by its delivery id, and answered within milliseconds: the
analysis runs in worker threads (or a separate `codie worker`) from the persistent queue,
so a restart loses no delivery.

Answers: 202 queued or ignored, 200 ping, 400 malformed, 401 unsigned, 403 bad signature,
405 wrong method, 409 replayed delivery, 413 too large.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils
from aiohttp import web

from codie.pr import conversation
from codie.store import open_store
from codie.worker.handlers import Cancelled, QueueContext, get
from codie.worker.queue import JobQueue

log = logging.getLogger(__name__)
ACTIONS = {"opened", "synchronize", "reopened"}
JOB_KIND = "pr-check"


def _deliveries_table(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE webhook_deliveries (delivery TEXT PRIMARY KEY, event TEXT, received REAL, job INTEGER)")


def signature(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


@dataclass
class Metrics:
    deliveries: Counter[str] = field(default_factory=Counter)
    jobs: Counter[str] = field(default_factory=Counter)
    seconds_sum: float = 0.0
    seconds_count: int = 0

    def render(self, queued: int) -> str:
        lines = ["# HELP codie_webhook_deliveries_total Deliveries by outcome.",
                 "# TYPE codie_webhook_deliveries_total counter"]
        lines += [f'codie_webhook_deliveries_total{{outcome="{k}"}} {v}' for k, v in sorted(self.deliveries.items())]
        lines += ["# HELP codie_webhook_jobs_total Jobs finished by the embedded workers, by state.",
                  "# TYPE codie_webhook_jobs_total counter"]
        lines += [f'codie_webhook_jobs_total{{state="{k}"}} {v}' for k, v in sorted(self.jobs.items())]
        lines += ["# HELP codie_webhook_request_seconds Time to answer a delivery.",
                  "# TYPE codie_webhook_request_seconds summary",
                  f"codie_webhook_request_seconds_sum {self.seconds_sum:.6f}",
                  f"codie_webhook_request_seconds_count {self.seconds_count}",
                  "# HELP codie_webhook_queue_depth Jobs waiting.", "# TYPE codie_webhook_queue_depth gauge",
                  f"codie_webhook_queue_depth {queued}"]
        return "\n".join(lines) + "\n"


def job_payload(event: dict[str, Any]) -> dict[str, Any]:
    """The fields a pr-check needs, or KeyError/TypeError for a malformed event."""
    pr = event["pull_request"]
    head, base = pr["head"], pr["base"]
    repo = event["repository"]
    return {
        "repository": str(repo["full_name"]),
        "number": int(event.get("number", pr["number"])),
        # the base repository: it holds both commits (head under refs/pull/N/head), forks or not
        "clone_url": str(repo["clone_url"]),
        "head_sha": str(head["sha"]), "head_ref": str(head["ref"]),
        "base_sha": str(base["sha"]), "base_ref": str(base["ref"]),
        "installation_id": (event.get("installation") or {}).get("id"),
    }


class WebhookService:
    def __init__(self, secret: bytes, db_path: Path, max_body: int = 5 * 1024 * 1024, workers: int = 1) -> None:
        if not secret:
            raise ValueError("a webhook secret is required (unsigned deliveries are always rejected)")
        self.secret = secret
        self.max_body = max_body
        self.queue = JobQueue(db_path)
        self.db = open_store(db_path, "webhook", [_deliveries_table])
        self.db_lock = threading.Lock()
        self.metrics = Metrics()
        self.io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="codie-webhook-db")
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._work, name=f"codie-pr-worker-{i}", daemon=True)
                        for i in range(workers)]

    # HTTP -------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(client_max_size=self.max_body)
        app.router.add_post("/webhook", self.deliver)
        app.router.add_route("*", "/webhook", self.wrong_method)
        app.router.add_get("/healthz", self.health)
        app.router.add_get("/metrics", self.prometheus)
        return app

    async def wrong_method(self, request: web.Request) -> web.Response:
        return self._answer(405, "use POST", "method")

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "queued": len(self.queue.list("queued"))})

    async def prometheus(self, request: web.Request) -> web.Response:
        queued = len(await asyncio.get_running_loop().run_in_executor(self.io, self.queue.list, "queued"))
        return web.Response(text=self.metrics.render(queued), content_type="text/plain")

    def _answer(self, status: int, message: str, outcome: str, **extra: Any) -> web.Response:
        self.metrics.deliveries[outcome] += 1
        return web.json_response({"message": message, **extra}, status=status)

    async def deliver(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        try:
            return await self._deliver(request)
        finally:
            self.metrics.seconds_sum += time.perf_counter() - started
            self.metrics.seconds_count += 1

    async def _deliver(self, request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > self.max_body:
            return self._answer(413, "payload too large", "too_large")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return self._answer(413, "payload too large", "too_large")
        given = request.headers.get("X-Hub-Signature-256")
        if not given:
            return self._answer(401, "missing X-Hub-Signature-256", "unsigned")
        if not hmac.compare_digest(given.encode(), signature(self.secret, body).encode()):
            return self._answer(403, "bad signature", "bad_signature")
        delivery = request.headers.get("X-GitHub-Delivery", "")
        event_name = request.headers.get("X-GitHub-Event", "")
        if not delivery or not event_name:
            return self._answer(400, "missing X-GitHub-Delivery or X-GitHub-Event", "malformed")
        try:
            event = json.loads(body)
            if not isinstance(event, dict):
                raise ValueError("not an object")
        except ValueError:
            return self._answer(400, "body is not a JSON object", "malformed")
        payload = None
        kind = JOB_KIND
        if event_name == "pull_request" and event.get("action") in ACTIONS:
            try:
                payload = job_payload(event)
            except (KeyError, TypeError, ValueError) as exc:
                return self._answer(400, f"malformed pull_request event: missing {exc}", "malformed")
        elif event_name in conversation.EVENTS:  # "@codie why|fix|ignore" replies: pr/conversation.py
            try:
                payload, kind = conversation.reply_payload(event_name, event), conversation.JOB_KIND
            except (KeyError, TypeError, ValueError) as exc:
                return self._answer(400, f"malformed {event_name} event: missing {exc}", "malformed")
        loop = asyncio.get_running_loop()
        job = await loop.run_in_executor(self.io, self._record, delivery, event_name, payload, kind)
        if job is None:
            return self._answer(409, f"delivery {delivery} was already received", "replayed")
        if event_name == "ping":
            return self._answer(200, "pong", "ping")
        if payload is None:
            return self._answer(202, f"ignored {event_name}/{event.get('action')}", "ignored")
        return self._answer(202, "queued", "queued", job=job)

    def _record(self, delivery: str, event: str, payload: dict[str, Any] | None, kind: str = JOB_KIND) -> int | None:
        """Remember the delivery and queue its job, atomically enough: None when replayed."""
        with self.db_lock:
            cur = self.db.execute(
                "INSERT INTO webhook_deliveries (delivery, event, received) VALUES (?, ?, ?) "
                "ON CONFLICT(delivery) DO NOTHING", [delivery, event, time.time()])
            if cur.rowcount != 1:
                return None
            job = 0
            if payload is not None:
                key = payload.get("job_key") or f"{payload['repository']}#{payload['number']}@{payload['head_sha']}"
                job = self.queue.enqueue(kind, payload, key=key)
                self.db.execute("UPDATE webhook_deliveries SET job = ? WHERE delivery = ?", [job, delivery])
            return job

    # embedded workers -------------------------------------------------------------------
    def start_workers(self) -> None:
        self.queue.requeue_abandoned()
        for t in self.threads:
            t.start()

    def _work(self) -> None:
        worker_id = f"webhook-{uuid.uuid4().hex[:8]}"
        while not self.stop.is_set():
            job = self.queue.claim(worker_id, [JOB_KIND, conversation.JOB_KIND])
            if job is None:
                self.stop.wait(0.2)
                continue
            handler = get(job.kind)
            try:
                if handler is None:
                    raise RuntimeError(f"no handler for {job.kind}")
                result = handler(job.payload, QueueContext(job.id, job.kind, self.queue))
                self.queue.complete(job.id, result)
                self.metrics.jobs["done"] += 1
            except Cancelled:
                self.metrics.jobs["cancelled"] += 1
            except Exception as exc:
                log.exception("job %s failed", job.id)
                self.queue.fail(job.id, f"{type(exc).__name__}: {exc}")
                self.metrics.jobs["failed"] += 1

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            if t.is_alive():
                t.join(timeout=10)
        self.io.shutdown(wait=True)
        self.queue.close()


async def serve(service: WebhookService, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(service.app(), access_log=None)
    await runner.setup()
    # a burst of deliveries (a mass re-run) must not overflow the listen queue
    await web.TCPSite(runner, host, port, backlog=1024).start()
    return runner
