"""Real git repositories and signed deliveries for the pull-request tests."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

SECRET = b"s3cret"

SAFE = """import subprocess
from flask import request

def archive(name):
    subprocess.run(["tar", "czf", "backup.tgz", name])


def legacy(expression):
    return eval(request.args[expression])
"""

# the feature branch adds a vulnerable function; `legacy` (old, unchanged) keeps its eval
VULNERABLE = (
    SAFE
    + """

def cleanup(pattern):
    try:
        subprocess.run(["rm", pattern])
    except:
        pass
    return eval(request.args[pattern])


JOBS = {"cleanup": cleanup}  # referenced, so the change adds no CPX100 ("never called") hint
"""
)


def sh(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def make_repo(path: Path) -> dict[str, str]:
    """A repository whose `feature` branch adds code with problems to a clean `main`."""
    path.mkdir(parents=True, exist_ok=True)
    sh(path, "init", "--quiet", "-b", "main")
    sh(path, "config", "user.email", "dev@example.com")
    sh(path, "config", "user.name", "Dev")
    (path / "app.py").write_text(SAFE)
    sh(path, "add", "-A")
    sh(path, "commit", "--quiet", "-m", "init")
    base = sh(path, "rev-parse", "HEAD")
    sh(path, "checkout", "--quiet", "-b", "feature")
    (path / "app.py").write_text(VULNERABLE)
    sh(path, "commit", "--quiet", "-am", "add cleanup")
    head = sh(path, "rev-parse", "HEAD")
    sh(path, "checkout", "--quiet", "main")
    publish_pull(path, 7, head)
    return {"base": base, "head": head}


def publish_pull(repo: Path, number: int, head: str) -> None:
    """What GitHub does on every push to a pull request: refs/pull/N/head in the base repository."""
    sh(repo, "update-ref", f"refs/pull/{number}/head", head)


class Context:
    """The JobContext a worker hands to a handler, for calling a handler directly."""

    job_id = 1
    kind = "test"

    def __init__(self) -> None:
        self.steps: list[str] = []

    def progress(self, fraction: float, message: str = "") -> None:
        self.steps.append(message)

    def cancelled(self) -> bool:
        return False

    def check_cancelled(self) -> None:
        pass

    def once(
        self,
        name: str,
        post: Callable[[], dict[str, Any]],
        reconcile: Callable[[], dict[str, Any] | None] | None = None,
    ) -> dict[str, Any]:
        return post()  # nothing recorded: each direct call is a first run


def pr_event(repo: Path, shas: dict[str, str], number: int = 7, action: str = "opened") -> dict[str, Any]:
    clone = {"clone_url": str(repo), "full_name": "acme/shop"}
    return {
        "action": action,
        "number": number,
        "pull_request": {
            "number": number,
            "head": {"sha": shas["head"], "ref": "feature", "repo": clone},
            "base": {"sha": shas["base"], "ref": "main", "repo": clone},
        },
        "repository": clone,
    }


def signed(
    body: bytes, event: str = "pull_request", delivery: str | None = None, secret: bytes = SECRET
) -> dict[str, str]:
    return {
        "X-Hub-Signature-256": "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest(),
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "Content-Type": "application/json",
    }


def encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()
