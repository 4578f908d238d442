"""Other events can queue jobs through `route()` (e.g. replies to Codie's comments); a
routed job without a key of its own is keyed by its delivery, so it is queued once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from codie.pr import webhook
from codie.pr.webhook import WebhookService, route, serve
from tests.pr.helpers import SECRET, encode, signed


@pytest.fixture
def reply_route() -> Iterator[None]:
    def reply(event: dict[str, Any]) -> tuple[str, dict[str, Any], str | None] | None:
        if "@codie" not in event["comment"]["body"]:
            return None
        return "reply-test", {"comment": int(event["comment"]["id"])}, None

    route("issue_comment", "reply-test", reply)
    yield
    webhook.ROUTES.pop("issue_comment", None)
    webhook.ROUTE_KINDS.discard("reply-test")


async def test_a_routed_event_is_queued_once_per_delivery(reply_route: None, tmp_path: Path) -> None:
    service = WebhookService(SECRET, tmp_path / "hook.db", workers=0)
    runner = await serve(service, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/webhook"

    async def post(event: dict[str, Any], delivery: str) -> tuple[int, dict[str, Any]]:
        body = encode(event)
        async with (
            aiohttp.ClientSession() as s,
            s.post(url, data=body, headers=signed(body, event="issue_comment", delivery=delivery)) as r,
        ):
            return r.status, json.loads(await r.text())

    try:
        ask = {"action": "created", "comment": {"id": 5, "body": "@codie why"}}
        status, answer = await post(ask, "c-1")
        assert status == 202 and answer["message"] == "queued"
        assert (await post(ask, "c-1"))[0] == 409
        assert (await post({"action": "created", "comment": {"id": 6, "body": "thanks"}}, "c-2"))[0] == 202
        assert (await post({"action": "created", "comment": {}}, "c-3"))[0] == 400
        (job,) = service.queue.list()
        assert (job.kind, job.key, job.payload) == (
            "reply-test",
            "issue_comment:c-1",
            {"comment": 5, "delivery": "c-1"},
        )
    finally:
        await runner.cleanup()
        service.close()
