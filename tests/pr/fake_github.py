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
                with fake.lock:
                    fake.requests.append((method, self.path, body))
                    status, answer = fake.route(method, self.path, body, self.headers.get("Authorization", ""))
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
            self.comments.setdefault((m.group(1), int(m.group(2))), []).extend(body["comments"])
            return 200, {"id": len(self.reviews)}
        return 404, {"message": f"Not Found: {method} {path}"}
