"""A pull request that introduces vulnerabilities, from webhook to check run and review.

Real git repository, real HTTP on loopback for the webhook and for a fake GitHub API.
"""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest

import codie.pr.job  # noqa: F401  (registers the pr-check handler)
from codie.pr.webhook import WebhookService, serve
from tests.pr.fake_github import FakeGitHub
from tests.pr.helpers import SECRET, encode, make_repo, pr_event, publish_pull, sh, signed
from tests.waiting import until


async def deliver(url: str, event: dict[str, object]) -> int:
    body = encode(event)
    async with aiohttp.ClientSession() as session, session.post(url + "/webhook", data=body, headers=signed(body)) as r:
        assert r.status == 202, await r.text()
        return int(json.loads(await r.text())["job"])


async def finished(service: WebhookService, job: int) -> dict[str, object]:
    state = await until(lambda: (found := service.queue.get(job)).final and found, f"job {job} to finish")
    assert state.state == "done", state.error
    return state.result or {}


async def test_pr_gets_a_check_run_and_review_comments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    shas = make_repo(repo)
    with FakeGitHub() as github:
        monkeypatch.setenv("CODIE_GITHUB_API_URL", github.url)
        monkeypatch.setenv("CODIE_GITHUB_TOKEN", github.token)
        monkeypatch.setenv("CODIE_PR_CACHE", str(tmp_path / "cache"))
        service = WebhookService(SECRET, tmp_path / "hook.db", workers=1)
        service.start_workers()
        runner = await serve(service, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            result = await finished(service, await deliver(url, pr_event(repo, shas)))
            assert result["conclusion"] == "failure"
            (run,) = github.check_runs.values()
            assert run["head_sha"] == shas["head"] and run["conclusion"] == "failure"
            notes = {(a["path"], a["start_line"], a["title"].split()[0]) for a in run["output"]["annotations"]}
            # the changed lines (10-17) carry Q001 and SEC001; the old eval on line 9 is not in the change
            assert notes == {("app.py", 15, "Q001"), ("app.py", 17, "SEC001")}
            assert "SEC001" in run["output"]["summary"]
            (review,) = github.reviews
            assert sorted((c["path"], c["line"]) for c in review["comments"]) == [("app.py", 15), ("app.py", 17)]

            # redelivery of the same head: idempotent (no second job, check run or comment)
            again = await deliver(url, pr_event(repo, shas, action="reopened"))
            assert again == 1 and len(github.check_runs) == 1 and len(github.reviews) == 1

            # a new push fixes the bare except: new check run for the new head, no repeated comment
            sh(repo, "checkout", "--quiet", "feature")
            (repo / "app.py").write_text((repo / "app.py").read_text().replace("except:", "except OSError:"))
            sh(repo, "commit", "--quiet", "-am", "narrow except")
            shas2 = {"base": shas["base"], "head": sh(repo, "rev-parse", "HEAD")}
            publish_pull(repo, 7, shas2["head"])
            result = await finished(service, await deliver(url, pr_event(repo, shas2, action="synchronize")))
            assert result == {
                "findings": 1,
                "conclusion": "failure",
                "check_run": 2,
                "comments": 0,
                "hidden": 0,
                "suggestions": 0,
            }
            assert len(github.check_runs) == 2 and len(github.reviews) == 1
        finally:
            await runner.cleanup()
            service.close()


def test_github_app_auth(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from codie.pr.github import AppAuth, GitHub

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with FakeGitHub(app_public_key=public) as github:
        client = GitHub(github.url, app=AppAuth("4242", private, 99))
        run = client.upsert_check_run("acme/shop", "c" * 40, "codie", "success", "ok", "all clear", [])
        assert run["id"] == 1
        token_call = github.requests[0]
        assert token_call[0] == "POST" and token_call[1] == "/app/installations/99/access_tokens"
        annotations = [
            {"path": "a.py", "start_line": i, "end_line": i, "annotation_level": "notice", "message": "m"}
            for i in range(1, 121)
        ]
        client.upsert_check_run("acme/shop", "c" * 40, "codie", "success", "ok", "s", annotations)
        assert len(github.check_runs[1]["output"]["annotations"]) == 120  # sent in batches of 50
