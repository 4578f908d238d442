"""A small GitHub REST client: check runs and pull-request reviews.

The base URL is configurable (GitHub Enterprise: https://HOST/api/v3). Auth is a token, or
a GitHub App (a JWT signed with the app's private key, exchanged for an installation token).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import jwt

API_VERSION = "2022-11-28"
ANNOTATIONS_PER_REQUEST = 50  # GitHub's limit per check-run request


class GitHubError(RuntimeError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"GitHub API {status}: {message}")
        self.status = status


@dataclass
class AppAuth:
    app_id: str
    private_key: str  # PEM
    installation_id: int

    def app_jwt(self) -> str:
        now = int(time.time())
        # backdate a minute against clock drift; GitHub allows at most 10 minutes
        return jwt.encode({"iat": now - 60, "exp": now + 540, "iss": self.app_id}, self.private_key, "RS256")


class GitHub:
    def __init__(
        self, base_url: str = "https://api.github.com", token: str | None = None,
        app: AppAuth | None = None, timeout: float = 30.0,
    ) -> None:
        if not token and not app:
            raise ValueError("GitHub needs a token or a GitHub App")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._app = app
        self._token_expires = float("inf") if token else 0.0
        self.timeout = timeout

    # transport --------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: Any = None, auth: str | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", API_VERSION)
        request.add_header("User-Agent", "codie")
        request.add_header("Authorization", auth or f"Bearer {self.token()}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise GitHubError(exc.code, exc.read().decode("utf-8", "replace")[:500]) from None
        except (urllib.error.URLError, OSError) as exc:
            raise GitHubError(0, str(exc)) from None
        return json.loads(raw) if raw else None

    def token(self) -> str:
        if self._token and time.time() < self._token_expires - 60:
            return self._token
        assert self._app is not None
        answer = self._call(
            "POST", f"/app/installations/{self._app.installation_id}/access_tokens",
            auth=f"Bearer {self._app.app_jwt()}",
        )
        self._token = str(answer["token"])
        self._token_expires = time.time() + 3000  # installation tokens live an hour
        return self._token

    # check runs -------------------------------------------------------------------------
    def find_check_run(self, repo: str, head_sha: str, name: str) -> dict[str, Any] | None:
        answer = self._call("GET", f"/repos/{repo}/commits/{head_sha}/check-runs?check_name={name}")
        runs = (answer or {}).get("check_runs", [])
        return runs[0] if runs else None

    def upsert_check_run(
        self, repo: str, head_sha: str, name: str, conclusion: str, title: str, summary: str,
        annotations: list[dict[str, Any]],
    ) -> dict[str, Any]:
        """Create the check run for head_sha, or update ours: a redelivery never duplicates it."""
        batches = [annotations[i:i + ANNOTATIONS_PER_REQUEST]
                   for i in range(0, len(annotations), ANNOTATIONS_PER_REQUEST)] or [[]]
        output = {"title": title, "summary": summary, "annotations": batches[0]}
        body = {"name": name, "head_sha": head_sha, "status": "completed", "conclusion": conclusion,
                "output": output}
        existing = self.find_check_run(repo, head_sha, name)
        if existing:
            run = self._call("PATCH", f"/repos/{repo}/check-runs/{existing['id']}", body)
        else:
            run = self._call("POST", f"/repos/{repo}/check-runs", body)
        for batch in batches[1:]:
            self._call("PATCH", f"/repos/{repo}/check-runs/{run['id']}",
                       {"output": {"title": title, "summary": summary, "annotations": batch}})
        return dict(run)

    # reviews ----------------------------------------------------------------------------
    def review_comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/repos/{repo}/pulls/{number}/comments?per_page=100") or [])

    def create_review(
        self, repo: str, number: int, commit_id: str, body: str, comments: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return dict(self._call("POST", f"/repos/{repo}/pulls/{number}/reviews", {
            "commit_id": commit_id, "body": body, "event": "COMMENT", "comments": comments,
        }))
