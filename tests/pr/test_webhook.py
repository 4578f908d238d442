"""The webhook over real HTTP on loopback: every kind of delivery gets the right answer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from codie.pr.webhook import WebhookService, serve
from codie.worker.queue import JobQueue
from tests.pr.helpers import SECRET, encode, make_repo, pr_event, signed


@pytest.fixture
async def webhook(tmp_path: Path) -> AsyncIterator[tuple[str, WebhookService]]:
    service = WebhookService(SECRET, tmp_path / "hook.db", max_body=64 * 1024, workers=0)
    runner = await serve(service, "127.0.0.1", 0)
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", service
    await runner.cleanup()
    service.close()


async def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as session, session.post(url + "/webhook", data=body, headers=headers) as r:
        return r.status, json.loads(await r.text())


async def test_valid_delivery_is_queued_once(webhook: tuple[str, WebhookService], tmp_path: Path) -> None:
    url, service = webhook
    body = encode(pr_event(tmp_path, {"base": "a" * 40, "head": "b" * 40}))
    status, answer = await post(url, body, signed(body, delivery="d-1"))
    assert status == 202 and answer["message"] == "queued"
    jobs = service.queue.list("queued")
    assert [(j.id, j.kind, j.payload["head_sha"]) for j in jobs] == [(answer["job"], "pr-check", "b" * 40)]
    # the same delivery again is a replay: 409, and no second job
    status, _ = await post(url, body, signed(body, delivery="d-1"))
    assert status == 409
    # a redelivery under a new id for the same head is idempotent: the same job
    status, again = await post(url, body, signed(body, delivery="d-2"))
    assert status == 202 and again["job"] == answer["job"]
    assert len(JobQueue(tmp_path / "hook.db").list()) == 1


async def test_rejections(webhook: tuple[str, WebhookService], tmp_path: Path) -> None:
    url, _ = webhook
    body = encode(pr_event(tmp_path, {"base": "a" * 40, "head": "b" * 40}))
    unsigned = {k: v for k, v in signed(body).items() if k != "X-Hub-Signature-256"}
    assert (await post(url, body, unsigned))[0] == 401
    assert (await post(url, body, signed(body, secret=b"wrong")))[0] == 403
    tampered = body.replace(b'"opened"', b'"reopened"')
    assert (await post(url, tampered, signed(body)))[0] == 403
    big = b'{"pad": "' + b"x" * 70_000 + b'"}'
    assert (await post(url, big, signed(big)))[0] == 413
    not_json = b"{nope"
    assert (await post(url, not_json, signed(not_json)))[0] == 400
    missing = encode({"action": "opened", "pull_request": {}, "repository": {"full_name": "a/b"}})
    status, answer = await post(url, missing, signed(missing))
    assert status == 400 and "malformed" in str(answer["message"])
    headers = signed(body)
    del headers["X-GitHub-Delivery"]
    assert (await post(url, body, headers))[0] == 400
    async with aiohttp.ClientSession() as session, session.get(url + "/webhook") as r:
        assert r.status == 405


async def test_ping_ignored_health_and_metrics(webhook: tuple[str, WebhookService], tmp_path: Path) -> None:
    url, _ = webhook
    ping = encode({"zen": "Keep it logically awesome.", "hook_id": 1})
    assert (await post(url, ping, signed(ping, event="ping")))[0] == 200
    closed = encode({**pr_event(tmp_path, {"base": "a" * 40, "head": "b" * 40}), "action": "closed"})
    status, answer = await post(url, closed, signed(closed))
    assert status == 202 and "ignored" in str(answer["message"])
    async with aiohttp.ClientSession() as session:
        async with session.get(url + "/healthz") as r:
            assert r.status == 200 and (await r.json())["status"] == "ok"
        async with session.get(url + "/metrics") as r:
            text = await r.text()
    assert 'codie_webhook_deliveries_total{outcome="ping"} 1' in text
    assert 'codie_webhook_deliveries_total{outcome="ignored"} 1' in text
    assert "codie_webhook_queue_depth 0" in text


async def test_queued_deliveries_survive_a_restart(tmp_path: Path) -> None:
    shas = make_repo(tmp_path / "repo")
    service = WebhookService(SECRET, tmp_path / "hook.db", workers=0)
    runner = await serve(service, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    body = encode(pr_event(tmp_path / "repo", shas))
    status, answer = await post(url, body, signed(body, delivery="keep-me"))
    await runner.cleanup()
    service.close()  # the service stops before any worker ran the job
    reopened = JobQueue(tmp_path / "hook.db")
    job = reopened.get(int(str(answer["job"])))
    assert status == 202 and job.state == "queued" and job.payload["head_sha"] == shas["head"]
