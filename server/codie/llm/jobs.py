"""Batch LLM work as worker jobs: explaining many findings, verifying fixes for a PR.

Handlers take (payload, ctx) and return a JSON-able dict, as codie.worker.handlers expects;
they run in the worker process (blocking calls are fine there) and poll ctx.cancelled()
between findings. They register themselves when the worker is installed; add
"codie.llm.jobs" to codie.worker.handlers.MODULES (or $CODIE_WORKER_HANDLERS).

Payload: {"paths": [file, ...], "root": folder?, "lines": {file: [1-based line, ...]}?,
          "rules": [rule id, ...]?, "llm": {settings section}?}
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

from codie.analyzers import registered
from codie.core.config import find_project_root, load_pyproject
from codie.core.document import Document
from codie.core.findings import Finding
from codie.core.llm_config import load_config
from codie.core.project import analyze_file
from codie.core.rules import catalogue
from codie.core.suppressions import suppression
from codie.llm.context import finding_context
from codie.llm.fixes import related_tests_at
from codie.llm.service import LLMRequest, LLMService


class Ctx(Protocol):
    def progress(self, fraction: float, message: str = "") -> None: ...

    def cancelled(self) -> bool: ...


def _targets(payload: dict[str, Any]) -> Iterator[tuple[Path, Path, Document, Finding]]:
    paths = [Path(p) for p in payload.get("paths", [])]
    if not paths:
        raise ValueError("payload needs paths: a list of files")
    lines = {str(k): set(v) for k, v in (payload.get("lines") or {}).items()}
    rules = set(payload.get("rules") or ())
    cat = catalogue()
    for path in paths:
        root = Path(payload["root"]) if payload.get("root") else find_project_root(path)
        settings, _ = load_pyproject(root / "pyproject.toml")
        doc, found = analyze_file(path, registered(), cat, settings, root)
        wanted = lines.get(str(path))
        for f in found:
            line = doc.lines.line_of(f.start) + 1
            if not settings.shown(f) or suppression(doc, f, cat) is not None:
                continue
            if (wanted and line not in wanted) or (rules and f.rule_id not in rules):
                continue
            yield path, root, doc, f


def _service(payload: dict[str, Any]) -> LLMService:
    config, _ = load_config(payload.get("llm") or {})
    return LLMService.from_config(config)


def _run(payload: dict[str, Any], ctx: Ctx, one: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    targets = list(_targets(payload))
    service = _service(payload)
    results: list[dict[str, Any]] = []
    for i, (path, root, doc, finding) in enumerate(targets):
        if ctx.cancelled():
            return {"results": results, "cancelled": True}
        results.append(one(service, path, root, doc, finding))
        ctx.progress((i + 1) / len(targets), f"{path}:{doc.lines.line_of(finding.start) + 1}")
    # the provider configured; each result says what answered it (offline when it failed)
    return {"results": results, "provider": service.name}


def explain_findings(payload: dict[str, Any], ctx: Ctx) -> dict[str, Any]:
    """Markdown explanations of the selected findings."""

    def one(service: LLMService, path: Path, root: Path, doc: Document, f: Finding) -> dict[str, Any]:
        fc = finding_context(doc, f, catalogue(), str(path))
        request = LLMRequest()
        markdown = asyncio.run(service.explain(fc, request))
        return {
            "path": str(path),
            "line": fc.line,
            "ruleId": f.rule_id,
            "fingerprint": fc.fingerprint,
            "markdown": markdown,
            "provider": request.provider,
            "label": request.label,
        }

    return _run(payload, ctx, one)


def verify_fixes(payload: dict[str, Any], ctx: Ctx) -> dict[str, Any]:
    """Proposed and verified fixes (diffs) for the selected findings; nothing is written."""

    def one(service: LLMService, path: Path, root: Path, doc: Document, f: Finding) -> dict[str, Any]:
        cat = catalogue()
        fc = finding_context(doc, f, cat, str(path))
        settings, _ = load_pyproject(root / "pyproject.toml")
        proposal = asyncio.run(service.propose_fix(doc, f, fc, registered(), cat, settings, root))
        v = proposal.verification
        return {
            "path": str(path),
            "line": fc.line,
            "ruleId": f.rule_id,
            "verified": v.ok,
            "reason": v.reason,
            "diff": v.diff if v.ok else "",
            "provider": proposal.provider,
            "label": proposal.label,
        }

    return _run(payload, ctx, one)


def fix_tests(payload: dict[str, Any], ctx: Ctx) -> dict[str, Any]:
    """The related tests of a proposed fix, in the sandbox, for the editor's server (which
    verified the fix statically and must not run them itself).

    Payload: {"uri": the fixed file, "root": its project, "new_text": the fixed text}."""
    ctx.progress(0.1, "running the related tests of the fix in the sandbox")
    ok, reason, ran = related_tests_at(str(payload["uri"]), str(payload["new_text"]), Path(str(payload["root"])))
    return {"ok": ok, "reason": reason, "tests": list(ran)}


JOBS = {"llm.explain": explain_findings, "llm.verify-fixes": verify_fixes, "llm.fix-tests": fix_tests}

try:  # the worker (codie.worker) is optional here: without it these are plain functions
    from codie.worker import handlers as _handlers
except ImportError:
    pass
else:
    for _kind, _fn in JOBS.items():
        _handlers.register(_kind, _fn)
