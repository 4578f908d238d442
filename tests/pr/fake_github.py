"""A loopback server speaking the slice of GitHub's REST API that Codie uses.

It records every request, keeps check runs and review comments so that follow-up GETs see
them, and (for GitHub App auth) verifies the app JWT with the app's public key.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt


class FakeGitHub:
    def __init__(self, token: str = "t0ken", app_public_key: str | None = None) -> None:
        self.token = token
        self.app_public_key = app_public_key
        self.installation_token = "inst-token"
        self.requests: list[tuple[str, str, Any]] = []
        self.check_runs: dict[int, dict[str, Any]] = {}
        self.comments: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.reviews: list[dict[str, Any]] = []
        self.issue_comments: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.pulls: dict[tuple[str, int], dict[str, Any]] = {}  # GET /pulls/N answers, set by a test
        self.permissions: dict[str, str] = {}  # login -> admin|write|read; others are no collaborators
        self.resolved: set[int] = set()  # root comment ids of resolved review threads
        self.bot = "codie[bot]"
        self._ids = iter(range(1001, 1_000_000))
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeGitHub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: Any) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                path = self.path
                # GitHub Enterprise: REST under /api/v3, GraphQL at /api/graphql (not /api/v3/graphql)
                if path == "/api/graphql":
                    path = "/graphql"
                elif path.startswith("/api/v3/") and path != "/api/v3/graphql":
                    path = path.removeprefix("/api/v3")
                with fake.lock:
                    fake.requests.append((method, path, body))
                    status, answer = fake.route(method, path, body, self.headers.get("Authorization", ""))
                self._reply(status, answer)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_PATCH(self) -> None:
                self._serve("PATCH")

        return Handler

    def route(self, method: str, path: str, body: Any, auth: str) -> tuple[int, Any]:
        if m := re.fullmatch(r"/app/installations/(\d+)/access_tokens", path):
            try:
                claims = jwt.decode(auth.removeprefix("Bearer "), self.app_public_key or "", algorithms=["RS256"])
            except jwt.PyJWTError as exc:
                return 401, {"message": f"bad app jwt: {exc}"}
            return 201, {"token": self.installation_token, "app": claims["iss"], "installation": int(m.group(1))}
        if auth not in (f"Bearer {self.token}", f"Bearer {self.installation_token}"):
            return 401, {"message": "Bad credentials"}
        if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/commits/(\w+)/check-runs\?check_name=(\w+)", path):
            runs = [r for r in self.check_runs.values() if r["head_sha"] == m.group(2) and r["name"] == m.group(3)]
            return 200, {"total_count": len(runs), "check_runs": runs}
        if method == "POST" and re.fullmatch(r"/repos/[^/]+/[^/]+/check-runs", path):
            run = {**body, "id": len(self.check_runs) + 1}
            self.check_runs[run["id"]] = run
            return 201, run
        if method == "PATCH" and (m := re.fullmatch(r"/repos/[^/]+/[^/]+/check-runs/(\d+)", path)):
            run = self.check_runs[int(m.group(1))]
            run.update({k: v for k, v in body.items() if k != "output"})
            run.setdefault("output", {}).update({k: v for k, v in body["output"].items() if k != "annotations"})
            run["output"].setdefault("annotations", [])
            if "name" in body:  # a full update replaces the annotations
                run["output"]["annotations"] = list(body["output"]["annotations"])
            else:
                run["output"]["annotations"] += body["output"]["annotations"]
            return 200, run
        if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/pulls/(\d+)/comments\?per_page=100", path):
            return 200, self.comments.get((m.group(1), int(m.group(2))), [])
        if method == "POST" and (m := re.fullmatch(r"/repos/([^/]+/[^/]+)/pulls/(\d+)/reviews", path)):
            self.reviews.append(body)
            thread = self.comments.setdefault((m.group(1), int(m.group(2))), [])
            thread.extend(self._comment(c, commit_id=body["commit_id"]) for c in body["comments"])
            return 200, {"id": len(self.reviews)}
        return self.route_conversation(method, path, body)

    # the conversation: replies, single comments, permissions, GraphQL review threads -------
    def _comment(self, fields: dict[str, Any], login: str | None = None, **extra: Any) -> dict[str, Any]:
        number = next(self._ids)
        user = {"login": login or self.bot, "type": "User" if login else "Bot"}
        return {
            **fields,
            **extra,
            "id": number,
            "node_id": f"PRRC_{number}",
            "user": user,
            "html_url": f"https://github.example/pull/comments/{number}",
        }

    def all_review_comments(self) -> list[dict[str, Any]]:
        return [c for thread in self.comments.values() for c in thread]

    def human_comment(self, repo: str, number: int, login: str, body: str, reply_to: int) -> dict[str, Any]:
        """A person's reply in a review thread, as GitHub would store it (the test delivers the event)."""
        with self.lock:
            root = next(c for c in self.all_review_comments() if c["id"] == reply_to)
            comment = self._comment(
                {"body": body, "path": root["path"], "line": root.get("line"), "in_reply_to_id": reply_to}, login=login
            )
            self.comments.setdefault((repo, number), []).append(comment)
            self.requests.append(("PERSON", f"/repos/{repo}/pulls/{number}/comments", comment))  # for transcripts
            return comment

    def route_conversation(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if method == "GET" and (m := re.fullmatch(r"/repos/([^/]+/[^/]+)/pulls/(\d+)", path)):
            pull = self.pulls.get((m.group(1), int(m.group(2))))
            return (200, pull) if pull else (404, {"message": "Not Found"})
        if method == "GET" and (m := re.fullmatch(r"/repos/[^/]+/[^/]+/pulls/comments/(\d+)", path)):
            found = [c for c in self.all_review_comments() if c["id"] == int(m.group(1))]
            return (200, found[0]) if found else (404, {"message": "Not Found"})
        if method == "POST" and (m := re.fullmatch(r"/repos/([^/]+/[^/]+)/pulls/(\d+)/comments/(\d+)/replies", path)):
            thread = self.comments.get((m.group(1), int(m.group(2))), [])
            root = [c for c in thread if c["id"] == int(m.group(3))]
            if not root:
                return 404, {"message": "Not Found"}
            if root[0].get("in_reply_to_id"):
                return 422, {"message": "replies must target the thread's first comment"}
            reply = self._comment(
                {
                    "body": body["body"],
                    "path": root[0]["path"],
                    "line": root[0].get("line"),
                    "in_reply_to_id": root[0]["id"],
                }
            )
            thread.append(reply)
            return 201, reply
        if method == "POST" and (m := re.fullmatch(r"/repos/([^/]+/[^/]+)/pulls/(\d+)/comments", path)):
            comment = self._comment(body)
            self.comments.setdefault((m.group(1), int(m.group(2))), []).append(comment)
            return 201, comment
        if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/(\d+)/comments(\?per_page=100)?", path):
            comments = self.issue_comments.setdefault((m.group(1), int(m.group(2))), [])
            if method == "GET":
                return 200, comments
            comments.append(self._comment({"body": body["body"]}))
            return 201, comments[-1]
        if m := re.fullmatch(r"/repos/[^/]+/[^/]+/collaborators/([^/]+)/permission", path):
            permission = self.permissions.get(m.group(1))
            if permission is None:
                return 404, {"message": f"{m.group(1)} is not a user"}
            return 200, {"permission": permission, "user": {"login": m.group(1)}}
        if method == "POST" and path == "/graphql":
            return self.graphql(body)
        return 404, {"message": f"Not Found: {method} {path}"}

    def graphql(self, body: dict[str, Any]) -> tuple[int, Any]:
        query, variables = body["query"], body.get("variables") or {}
        if "reviewThreads" in query:
            thread = self.comments.get((f"{variables['owner']}/{variables['name']}", int(variables["number"])), [])
            nodes = [
                {
                    "id": f"PRRT_{c['id']}",
                    "isResolved": c["id"] in self.resolved,
                    "comments": {"nodes": [{"databaseId": c["id"]}]},
                }
                for c in thread
                if not c.get("in_reply_to_id")
            ]
            return 200, {"data": {"repository": {"pullRequest": {"reviewThreads": {"nodes": nodes}}}}}
        if "resolveReviewThread" in query:
            root = int(str(variables["id"]).removeprefix("PRRT_"))
            self.resolved.add(root)
            return 200, {"data": {"resolveReviewThread": {"thread": {"id": variables["id"], "isResolved": True}}}}
        return 200, {"errors": [{"message": "unknown query"}]}
