"""`codie webhook`: receives GitHub deliveries and queues jobs ("pr-check" for pull requests).

Every delivery is authenticated (X-Hub-Signature-256, compared in constant time), bounded
in size, parsed, recorded once by its delivery id (in the queue's store, in the same
transaction as its job) and answered within milliseconds: the analysis runs in embedded
worker threads or in `codie worker` processes - on many hosts when the queue is PostgreSQL
(`--db postgresql://...`). A restart loses no delivery and takes no job from a live worker:
only jobs whose lease expired are run again.

Answers: 202 queued or ignored, 200 ping, 400 malformed, 401 unsigned, 403 bad signature,
405 wrong method, 409 replayed delivery, 413 too large, 503 queue unavailable.
`/metrics` is Prometheus text (deliveries by outcome and refusals by reason, queue depth,
job latency histogram, failures); `/healthz` answers 200 when the queue can be read.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import secrets
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from codie.pr import conversation
from codie.worker import handlers
from codie.worker.main import requeue_dead_local
from codie.worker.queue import LEASE, Queue, QueueStats
from codie.worker.queues import open_queue
from codie.worker.runner import execute

log = logging.getLogger(__name__)
ACTIONS = {"opened", "synchronize", "reopened"}
JOB_KIND = "pr-check"
REFUSALS = ("unsigned", "bad_signature", "too_large", "malformed", "replayed", "method", "unavailable")
CLAIM_POLL = 0.2  # seconds an idle embedded worker waits before looking at the queue again

# event name -> what to queue for it: (kind, payload, key) or None to ignore the delivery;
# raises KeyError/TypeError/ValueError for a malformed event (answered 400).
Route = Callable[[dict[str, Any]], tuple[str, dict[str, Any], str | None] | None]
ROUTES: dict[str, Route] = {}
ROUTE_KINDS: set[str] = set()


def route(event_name: str, kind: str, fn: Route) -> Route:
    """Queue jobs of `kind` for deliveries of `event_name` (e.g. issue_comment replies);
    the embedded workers run every routed kind whose handler is registered."""
    ROUTES[event_name] = fn
    ROUTE_KINDS.add(kind)
    return fn


def signature(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


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
        "head_sha": str(head["sha"]),
        "head_ref": str(head["ref"]),
        "base_sha": str(base["sha"]),
        "base_ref": str(base["ref"]),
        "installation_id": (event.get("installation") or {}).get("id"),
    }


def pull_request_job(event: dict[str, Any]) -> tuple[str, dict[str, Any], str | None] | None:
    """One pr-check per (repository, pull request, head SHA): redeliveries share it."""
    if event.get("action") not in ACTIONS:
        return None
    payload = job_payload(event)
    return JOB_KIND, payload, f"{payload['repository']}#{payload['number']}@{payload['head_sha']}"


route("pull_request", JOB_KIND, pull_request_job)


def _reply_route(event_name: str) -> Route:
    """ "@codie why|fix|ignore" replies (pr/conversation.py): one pr-reply job per comment."""

    def make(event: dict[str, Any]) -> tuple[str, dict[str, Any], str | None] | None:
        payload = conversation.reply_payload(event_name, event)
        return None if payload is None else (conversation.JOB_KIND, payload, str(payload["job_key"]))

    return make


for _event in sorted(conversation.EVENTS):
    route(_event, conversation.JOB_KIND, _reply_route(_event))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@dataclass
class Metrics:
    """What this webhook process saw; the queue's figures come from its store (all hosts)."""

    deliveries: Counter[str] = field(default_factory=Counter)
    jobs: Counter[str] = field(default_factory=Counter)
    seconds_sum: float = 0.0
    seconds_count: int = 0

    def render(self, stats: QueueStats | None) -> str:
        out: list[str] = []

        def family(name: str, kind: str, help_: str, samples: list[tuple[str, float]]) -> None:
            out.extend([f"# HELP {name} {help_}", f"# TYPE {name} {kind}"])
            out.extend(f"{name}{labels} {value:g}" for labels, value in samples)

        family(
            "codie_webhook_deliveries_total",
            "counter",
            "Deliveries answered, by outcome.",
            [(f'{{outcome="{_escape(k)}"}}', v) for k, v in sorted(self.deliveries.items())],
        )
        family(
            "codie_webhook_deliveries_refused_total",
            "counter",
            "Deliveries refused, by reason.",
            [(f'{{reason="{r}"}}', self.deliveries[r]) for r in REFUSALS],
        )
        family(
            "codie_webhook_request_seconds",
            "summary",
            "Time to answer a delivery.",
            [("_sum", self.seconds_sum), ("_count", self.seconds_count)],
        )
        family(
            "codie_webhook_jobs_total",
            "counter",
            "Jobs finished by this process's embedded workers, by state.",
            [(f'{{state="{_escape(k)}"}}', v) for k, v in sorted(self.jobs.items())],
        )
        family(
            "codie_queue_up",
            "gauge",
            "1 when the job queue's store answered this scrape.",
            [("", 1 if stats is not None else 0)],
        )
        if stats is not None:
            family(
                "codie_webhook_queue_depth",
                "gauge",
                "Jobs waiting to run (all workers).",
                [("", stats.states.get("queued", 0))],
            )
            family(
                "codie_queue_jobs",
                "gauge",
                "Jobs in the queue, by state (all workers).",
                [(f'{{state="{k}"}}', v) for k, v in sorted(stats.states.items())],
            )
            family(
                "codie_job_failures_total",
                "counter",
                "Jobs that ended failed (all workers).",
                [("", stats.states.get("failed", 0))],
            )
            out.extend(
                [
                    "# HELP codie_job_latency_seconds From enqueue to result, finished jobs.",
                    "# TYPE codie_job_latency_seconds histogram",
                ]
            )
            out.extend(f'codie_job_latency_seconds_bucket{{le="{b:g}"}} {n}' for b, n in stats.buckets)
            out.append(f'codie_job_latency_seconds_bucket{{le="+Inf"}} {stats.latency_count}')
            out.append(f"codie_job_latency_seconds_sum {stats.latency_sum:.6f}")
            out.append(f"codie_job_latency_seconds_count {stats.latency_count}")
        return "\n".join(out) + "\n"


class WebhookService:
    def __init__(
        self,
        secret: bytes,
        db_path: Path | str,
        max_body: int = 5 * 1024 * 1024,
        workers: int = 1,
        lease: float = LEASE,
    ) -> None:
        if not secret:
            raise ValueError("a webhook secret is required (unsigned deliveries are always rejected)")
        self.secret = secret
        self.max_body = max_body
        self.queue: Queue = open_queue(db_path, lease=lease)
        self.metrics = Metrics()
        self.io = ThreadPoolExecutor(max_workers=4, thread_name_prefix="codie-webhook-db")
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._work, name=f"codie-pr-worker-{i}", daemon=True) for i in range(workers)
        ]

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

    async def _stats(self) -> QueueStats | None:
        try:
            return await asyncio.get_running_loop().run_in_executor(self.io, self.queue.stats)
        except Exception as exc:  # the store is down: say so, keep serving
            log.warning("codie webhook: the job queue is unavailable: %s", exc)
            return None

    async def health(self, request: web.Request) -> web.Response:
        stats = await self._stats()
        if stats is None:
            return web.json_response({"status": "unavailable", "queue": self.queue.location}, status=503)
        return web.json_response(
            {
                "status": "ok",
                "queued": stats.states.get("queued", 0),
                "running": stats.states.get("running", 0),
                "workers": sum(t.is_alive() for t in self.threads),
            }
        )

    async def prometheus(self, request: web.Request) -> web.Response:
        text = self.metrics.render(await self._stats())
        return web.Response(
            text=text, content_type="text/plain", headers={"X-Content-Type-Options": "nosniff"}, charset="utf-8"
        )

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
        job = None
        make = ROUTES.get(event_name)
        if make is not None:
            try:
                job = make(event)
            except (KeyError, TypeError, ValueError) as exc:
                return self._answer(400, f"malformed {event_name} event: missing or bad {exc}", "malformed")
        if job is not None:  # every job is keyed: at most one per delivery, or per its own key
            kind, payload, key = job
            job = (kind, {**payload, "delivery": delivery}, key or f"{event_name}:{delivery}")
        loop = asyncio.get_running_loop()
        try:
            job_id = await loop.run_in_executor(self.io, self.queue.record_delivery, delivery, event_name, job)
        except Exception as exc:  # GitHub redelivers on 5xx; nothing is lost
            log.warning("codie webhook: cannot record delivery %s: %s", delivery, exc)
            return self._answer(503, "the job queue is unavailable; retry later", "unavailable")
        if job_id is None:
            return self._answer(409, f"delivery {delivery} was already received", "replayed")
        if event_name == "ping":
            return self._answer(200, "pong", "ping")
        if job is None:
            return self._answer(202, f"ignored {event_name}/{event.get('action')}", "ignored")
        return self._answer(202, "queued", "queued", job=job_id)

    # embedded workers -------------------------------------------------------------------
    def start_workers(self) -> None:
        """Start the embedded workers. Jobs held by live workers (here or on other hosts)
        are left alone; those of this host's dead processes go back to the queue now, and
        any other abandoned job when its lease expires."""
        if self.threads:
            try:
                requeue_dead_local(self.queue)
            except Exception as exc:
                log.warning("codie webhook: cannot look for abandoned jobs: %s", exc)
        for t in self.threads:
            t.start()

    def _work(self) -> None:
        # host:pid:token, like `codie worker`: a later process on this host can tell it died
        worker_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        while not self.stop.is_set():
            kinds = sorted(ROUTE_KINDS & set(handlers.kinds()))
            try:
                job = self.queue.claim(worker_id, kinds)
            except Exception as exc:
                log.warning("codie webhook: the job queue is unavailable: %s", exc)
                self.stop.wait(2.0)
                continue
            if job is None:
                self.stop.wait(CLAIM_POLL)
                continue
            try:
                done = execute(self.queue, job)
            except Exception:  # the store failed under the job: its lease will expire
                log.exception("codie webhook: job %s could not be recorded", job.id)
                continue
            self.metrics.jobs[done.state] += 1

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
