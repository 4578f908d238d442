"""A small GitHub REST client: check runs, pull-request reviews, replies and permissions.

The base URL is configurable (GitHub Enterprise: https://HOST/api/v3). Auth is a token, or
a GitHub App (a JWT signed with the app's private key, exchanged for an installation token).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
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
        self,
        base_url: str = "https://api.github.com",
        token: str | None = None,
        app: AppAuth | None = None,
        timeout: float = 30.0,
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

    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """A GraphQL call (review threads have no REST endpoint). GitHub Enterprise serves it
        at /api/graphql next to the REST root /api/v3."""
        root = self.base_url.removesuffix("/api/v3")
        url = root + "/api/graphql" if root != self.base_url else root + "/graphql"
        request = urllib.request.Request(
            url, data=json.dumps({"query": query, "variables": variables}).encode(), method="POST"
        )
        request.add_header("Content-Type", "application/json")
        request.add_header("User-Agent", "codie")
        request.add_header("Authorization", f"Bearer {self.token()}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise GitHubError(exc.code, exc.read().decode("utf-8", "replace")[:500]) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise GitHubError(0, str(exc)) from None
        if answer.get("errors"):
            raise GitHubError(200, "; ".join(str(e.get("message", e)) for e in answer["errors"])[:500])
        return dict(answer.get("data") or {})

    def token(self) -> str:
        if self._token and time.time() < self._token_expires - 60:
            return self._token
        assert self._app is not None
        answer = self._call(
            "POST",
            f"/app/installations/{self._app.installation_id}/access_tokens",
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
        self,
        repo: str,
        head_sha: str,
        name: str,
        conclusion: str,
        title: str,
        summary: str,
        annotations: list[dict[str, Any]],
    ) -> dict[str, Any]:
        """Create the check run for head_sha, or update ours: a redelivery never duplicates it."""
        batches = [
            annotations[i : i + ANNOTATIONS_PER_REQUEST] for i in range(0, len(annotations), ANNOTATIONS_PER_REQUEST)
        ] or [[]]
        output = {"title": title, "summary": summary, "annotations": batches[0]}
        body = {"name": name, "head_sha": head_sha, "status": "completed", "conclusion": conclusion, "output": output}
        existing = self.find_check_run(repo, head_sha, name)
        if existing:
            run = self._call("PATCH", f"/repos/{repo}/check-runs/{existing['id']}", body)
        else:
            run = self._call("POST", f"/repos/{repo}/check-runs", body)
        for batch in batches[1:]:
            self._call(
                "PATCH",
                f"/repos/{repo}/check-runs/{run['id']}",
                {"output": {"title": title, "summary": summary, "annotations": batch}},
            )
        return dict(run)

    # reviews ----------------------------------------------------------------------------
    def review_comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/repos/{repo}/pulls/{number}/comments?per_page=100") or [])

    def create_review(
        self, repo: str, number: int, commit_id: str, body: str, comments: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return dict(
            self._call(
                "POST",
                f"/repos/{repo}/pulls/{number}/reviews",
                {
                    "commit_id": commit_id,
                    "body": body,
                    "event": "COMMENT",
                    "comments": comments,
                },
            )
        )

    # conversation -----------------------------------------------------------------------
    def pull(self, repo: str, number: int) -> dict[str, Any]:
        return dict(self._call("GET", f"/repos/{repo}/pulls/{number}"))

    def review_comment(self, repo: str, comment_id: int) -> dict[str, Any]:
        return dict(self._call("GET", f"/repos/{repo}/pulls/comments/{comment_id}"))

    def reply_to_review_comment(self, repo: str, number: int, comment_id: int, body: str) -> dict[str, Any]:
        """A reply in the thread of review comment `comment_id` (a thread's root)."""
        return dict(self._call("POST", f"/repos/{repo}/pulls/{number}/comments/{comment_id}/replies", {"body": body}))

    def create_review_comment(self, repo: str, number: int, commit_id: str, comment: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call("POST", f"/repos/{repo}/pulls/{number}/comments", {"commit_id": commit_id, **comment}))

    def issue_comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/repos/{repo}/issues/{number}/comments?per_page=100") or [])

    def create_issue_comment(self, repo: str, number: int, body: str) -> dict[str, Any]:
        return dict(self._call("POST", f"/repos/{repo}/issues/{number}/comments", {"body": body}))

    def permission(self, repo: str, user: str) -> str:
        """admin, write, read or none: a user's permission on the repository."""
        try:
            answer = self._call("GET", f"/repos/{repo}/collaborators/{urllib.parse.quote(user)}/permission")
        except GitHubError as exc:
            if exc.status == 404:  # not a collaborator (or no such user)
                return "none"
            raise
        return str((answer or {}).get("permission") or "none")

    def can_write(self, repo: str, user: str) -> bool:
        return self.permission(repo, user) in ("admin", "write")

    def resolve_thread(self, repo: str, number: int, root_comment_id: int) -> bool:
        """Resolve the review thread that starts with `root_comment_id`; False if not found."""
        owner, name = repo.split("/", 1)
        data = self.graphql(THREADS_QUERY, {"owner": owner, "name": name, "number": number})
        threads = ((data.get("repository") or {}).get("pullRequest") or {}).get("reviewThreads") or {}
        for thread in threads.get("nodes") or []:
            first = (thread.get("comments") or {}).get("nodes") or []
            if first and first[0].get("databaseId") == root_comment_id:
                if not thread.get("isResolved"):
                    self.graphql(RESOLVE_MUTATION, {"id": thread["id"]})
                return True
        return False


THREADS_QUERY = """query($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) { pullRequest(number: $number) {
    reviewThreads(first: 100) { nodes { id isResolved comments(first: 1) { nodes { databaseId } } } }
  } }
}"""
RESOLVE_MUTATION = """mutation($id: ID!) {
  resolveReviewThread(input: {threadId: $id}) { thread { id isResolved } }
}"""
