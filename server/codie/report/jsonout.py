"""Machine-readable JSON: one object per finding, stable keys."""

from __future__ import annotations

import json
from typing import Any

from codie.report.model import Located, Run


def as_dict(r: Located) -> dict[str, Any]:
    f = r.finding
    extra: dict[str, Any] = {}
    if "advisory_aliases" in f.data:  # dependency findings: every advisory behind them
        extra["advisories"] = [{"id": k, "aliases": list(v)} for k, v in f.data["advisory_aliases"].items()]
    return {
        "path": r.path,
        "rule": f.rule_id,
        "severity": f.severity.value,
        "category": f.category.value,
        "confidence": f.confidence,
        "confidence_parts": dict(f.confidence_parts),
        "message": f.message,
        "cwe": list(f.cwe),
        "start": {"line": r.start_line, "column": r.start_col},
        "end": {"line": r.end_line, "column": r.end_col},
        "fix": None if f.fix is None else {"title": f.fix.title, "safe": f.fix.safe},
        "related": [{"message": loc.message, "uri": loc.uri} for loc in f.related],
        "suppressed": r.suppressed,
    } | extra


def render(run: Run) -> str:
    payload = {
        "tool": {"name": "codie", "version": run.tool_version},
        "root": run.root,
        "files": len(run.files),
        "findings": [as_dict(r) for r in run.results],
        "errors": run.errors,
    }
    return json.dumps(payload, indent=2) + "\n"
