"""/metrics (Prometheus text) and /healthz of the webhook, scraped over loopback HTTP, on
SQLite and on a real PostgreSQL: deliveries by outcome, refusals by reason, queue depth,
job latency histogram, failures - and a 503 (not a crash) when the queue's store is gone."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from codie.pr.webhook import WebhookService, serve
from codie.worker import handlers
from tests.pr.helpers import SECRET, encode, pr_event, signed
from tests.waiting import until
from tests.worker.postgres import pg_server, pg_url  # noqa: F401  (fixtures)

SAMPLE = re.compile(r"^([a-z_]+)(\{[^}]*\})? (\S+)$")


def parse(text: str) -> dict[str, float]:
    """Prometheus text format -> {name{labels}: value}; every line must be well-formed."""
    samples: dict[str, float] = {}
    types: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in {"counter", "gauge", "summary", "histogram"}, line
            types[name] = kind
            continue
        if line.startswith("# HELP "):
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name = match.group(1)
        assert any(name == t or name.startswith(t + "_") for t in types), f"no TYPE for {name}"
        samples[name + (match.group(2) or "")] = float(match.group(3))
    return samples


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "hook.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def webhook(location: str) -> AsyncIterator[tuple[str, WebhookService]]:
    service = WebhookService(SECRET, location, max_body=64 * 1024, workers=0)
    runner = await serve(service, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", service
    await runner.cleanup()
    service.close()


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as r:
        return r.status, await r.text()


async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as session, session.post(url + "/webhook", data=body, headers=headers) as r:
        await r.read()
        return r.status


async def test_metrics_count_deliveries_refusals_depth_latency_and_failures(
    webhook: tuple[str, WebhookService], tmp_path: Path
) -> None:
    url, service = webhook
    bodies = [encode(pr_event(tmp_path, {"base": "a" * 40, "head": f"{n:040x}"}, number=n)) for n in (1, 2, 3)]
    for n, body in enumerate(bodies):
        assert await post(url, body, signed(body, delivery=f"d-{n}")) == 202
    assert await post(url, bodies[0], signed(bodies[0], delivery="d-0")) == 409
    assert await post(url, bodies[0], signed(bodies[0], secret=b"wrong")) == 403
    unsigned = {k: v for k, v in signed(bodies[0]).items() if k != "X-Hub-Signature-256"}
    assert await post(url, bodies[0], unsigned) == 401
    assert await post(url, b"{nope", signed(b"{nope")) == 400

    # a worker (any process) finishes one job and fails another
    queue = service.queue
    done, failed = queue.claim("w"), queue.claim("w")
    assert done is not None and failed is not None
    assert queue.complete(done.id, {}, "w") and queue.fail(failed.id, "boom", "w")

    status, text = await get(url + "/metrics")
    assert status == 200
    m = parse(text)
    assert m['codie_webhook_deliveries_total{outcome="queued"}'] == 3
    assert m['codie_webhook_deliveries_refused_total{reason="replayed"}'] == 1
    assert m['codie_webhook_deliveries_refused_total{reason="bad_signature"}'] == 1
    assert m['codie_webhook_deliveries_refused_total{reason="unsigned"}'] == 1
    assert m['codie_webhook_deliveries_refused_total{reason="malformed"}'] == 1
    assert m['codie_webhook_deliveries_refused_total{reason="too_large"}'] == 0
    assert m["codie_webhook_queue_depth"] == 1
    assert m['codie_queue_jobs{state="done"}'] == 1 and m['codie_queue_jobs{state="running"}'] == 0
    assert m["codie_job_failures_total"] == 1
    assert m['codie_job_latency_seconds_bucket{le="+Inf"}'] == m["codie_job_latency_seconds_count"] == 2
    buckets = [v for k, v in m.items() if k.startswith("codie_job_latency_seconds_bucket")]
    assert buckets == sorted(buckets)  # cumulative
    assert m["codie_webhook_request_seconds_count"] == 7
    assert m["codie_queue_up"] == 1

    status, text = await get(url + "/healthz")
    assert status == 200 and '"status": "ok"' in text and '"queued": 1' in text


async def test_health_is_503_and_deliveries_are_refused_when_the_store_is_gone(pg_url: str, tmp_path: Path) -> None:  # noqa: F811
    import psycopg

    location = pg_url

    service = WebhookService(SECRET, location, workers=0)
    runner = await serve(service, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        assert (await get(url + "/healthz"))[0] == 200
        admin, name = location.rsplit("/", 1)
        with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        status, text = await get(url + "/healthz")
        assert status == 503 and "unavailable" in text
        body = encode(pr_event(tmp_path, {"base": "a" * 40, "head": "b" * 40}))
        assert await post(url, body, signed(body)) == 503  # GitHub redelivers later
        m = parse((await get(url + "/metrics"))[1])
        assert m["codie_queue_up"] == 0
        assert m['codie_webhook_deliveries_refused_total{reason="unavailable"}'] == 1
    finally:
        await runner.cleanup()
        service.close()


async def test_embedded_workers_run_jobs_with_heartbeats(tmp_path: Path) -> None:
    seen: list[int] = []

    def quick(payload: dict[str, object], ctx: handlers.JobContext) -> dict[str, object]:
        seen.append(ctx.job_id)
        return ctx.once("post", lambda: {"posted": True})

    previous = handlers.get("pr-check")
    handlers.register("pr-check", quick)
    service = WebhookService(SECRET, tmp_path / "hook.db", workers=2)
    service.start_workers()
    runner = await serve(service, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        for n in range(5):
            body = encode(pr_event(tmp_path, {"base": "a" * 40, "head": f"{n:040x}"}, number=n))
            assert await post(url, body, signed(body)) == 202
        await until(lambda: len(service.queue.list("done")) == 5, "five jobs done")
        assert sorted(seen) == sorted(j.id for j in service.queue.list("done"))
        m = parse((await get(url + "/metrics"))[1])
        assert m['codie_webhook_jobs_total{state="done"}'] == 5
    finally:
        await runner.cleanup()
        service.close()
        if previous is not None:
            handlers.register("pr-check", previous)
        else:
            handlers.unregister("pr-check")
