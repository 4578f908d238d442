"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Rule metadata comes from the catalogue (help text, CWE tags and a CWE taxonomy,
`security-severity`), taint paths become `codeFlows`, suppressed findings carry
`suppressions`, and `partialFingerprints` hash the rule, the normalised text of the line
and the occurrence index, so alerts keep their identity when unrelated lines move.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from codie.core.findings import Category, Severity
from codie.core.rules import Rule, catalogue
from codie.report.model import Located, Place, Run

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
CWE_VERSION = "4.14"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note", Severity.HINT: "note"}
# CVSS-like scores GitHub uses to rank alerts (critical > 9, high >= 7, medium >= 4).
SECURITY_SEVERITY = {
    "SEC001": 9.3,
    "SEC002": 9.1,
    "SEC003": 8.8,
    "SEC004": 7.5,
    "SEC005": 6.1,
    "SEC006": 7.7,
    "SEC007": 7.5,
    "SEC008": 7.5,
    "SEC009": 8.8,
    "SEC010": 6.1,
    "SEC011": 4.3,
    "SEC012": 8.6,
    "SEC020": 5.9,
    "SEC021": 5.3,
    "SEC022": 4.3,
    "SEC023": 7.4,
    "SEC024": 7.5,
    "SEC025": 6.5,
    "SEC026": 4.7,
    "SEC027": 7.4,
    "SEC028": 5.3,
    "SEC029": 5.3,
    "SEC030": 8.2,
    "SEC031": 5.5,
}
DEFAULT_SECURITY_SEVERITY = {Severity.ERROR: 7.0, Severity.WARNING: 5.0, Severity.INFO: 3.0, Severity.HINT: 1.0}


def _precision(prior: float) -> str:
    return "very-high" if prior >= 0.85 else "high" if prior >= 0.7 else "medium" if prior >= 0.5 else "low"


def _rule_name(rule: Rule) -> str:
    words = re.findall(r"[A-Za-z0-9]+", rule.title)
    return "".join(w[:1].upper() + w[1:] for w in words) or rule.id


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    tags = [rule.category.value]
    tags += [f"external/cwe/{c.lower()}" for c in rule.cwe]
    props: dict[str, Any] = {"tags": tags[:20], "precision": _precision(rule.confidence)}
    if rule.category is Category.SECURITY:
        score = SECURITY_SEVERITY.get(rule.id, DEFAULT_SECURITY_SEVERITY[rule.severity])
        props["security-severity"] = f"{score:.1f}"
    first_paragraph = rule.explanation.strip().split("\n\n", 1)[0].replace("\n", " ")
    out: dict[str, Any] = {
        "id": rule.id,
        "name": _rule_name(rule),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": first_paragraph},
        "help": {"text": _plain(rule.help_markdown), "markdown": rule.help_markdown},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": props,
    }
    if rule.cwe:
        out["relationships"] = [
            {"target": {"id": c.split("-", 1)[-1], "toolComponent": {"name": "CWE"}}, "kinds": ["superset"]}
            for c in rule.cwe
        ]
    return out


def _plain(markdown: str) -> str:
    return re.sub(r"[*`]", "", markdown)


def _region(start_line: int, start_col: int, end_line: int, end_col: int, snippet: str = "") -> dict[str, Any]:
    region: dict[str, Any] = {
        "startLine": start_line,
        "startColumn": start_col,
        "endLine": end_line,
        "endColumn": max(end_col, 1),
    }
    if snippet:
        region["snippet"] = {"text": snippet}
    return region


def _physical(path: str, region: dict[str, Any]) -> dict[str, Any]:
    return {"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"}, "region": region}


def fingerprint(rule_id: str, line_text: str, occurrence: int) -> str:
    normalized = re.sub(r"\s+", " ", line_text).strip()
    digest = hashlib.sha256(f"{rule_id}\0{normalized}".encode()).hexdigest()[:32]
    return f"{digest}:{occurrence}"


def _result(r: Located, rule_index: int, occurrence: int) -> dict[str, Any]:
    f = r.finding
    region = _region(r.start_line, r.start_col, r.end_line, r.end_col, r.snippet.strip())
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[f.severity],
        "message": {"text": f.message},
        "locations": [{"physicalLocation": _physical(r.path, region)}],
        "partialFingerprints": {
            "codie/v1": fingerprint(f.rule_id, r.snippet, occurrence),
        },
        "properties": {"confidence": f.confidence, "category": f.category.value},
    }
    if f.evidence_notes:
        result["properties"]["evidence"] = list(f.evidence_notes)
    if r.related:
        result["relatedLocations"] = [
            {"id": i, "message": {"text": p.message}, "physicalLocation": _physical(r.path, _place_region(p))}
            for i, p in enumerate(r.related)
        ]
        if f.category is Category.SECURITY and len(r.related) > 1:
            steps = [
                {
                    "location": {
                        "physicalLocation": _physical(r.path, _place_region(p)),
                        "message": {"text": p.message},
                    },
                    "nestingLevel": 0,
                    "executionOrder": i,
                }
                for i, p in enumerate(r.related)
            ]
            result["codeFlows"] = [{"message": {"text": f.message}, "threadFlows": [{"locations": steps}]}]
    if r.suppressed is not None:
        result["suppressions"] = [{"kind": "inSource", "justification": r.suppressed}]
    return result


def _place_region(p: Place) -> dict[str, Any]:
    return _region(p.start_line, p.start_col, p.end_line, p.end_col, p.snippet.strip())


def to_sarif(run: Run) -> dict[str, Any]:
    cat = catalogue()
    used: list[str] = sorted({r.finding.rule_id for r in run.results})
    rules = [cat[rid] for rid in used if rid in cat]
    index = {rule.id: i for i, rule in enumerate(rules)}
    cwes = sorted(
        {c for rule in rules for c in rule.cwe},
        key=lambda c: int(c.split("-")[-1]) if c.split("-")[-1].isdigit() else 0,
    )
    seen: dict[tuple[str, str, str], int] = {}
    results = []
    for r in run.results:
        key = (r.path, r.finding.rule_id, re.sub(r"\s+", " ", r.snippet).strip())
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        results.append(_result(r, index.get(r.finding.rule_id, -1), occurrence))
    root_uri = Path(run.root).resolve().as_uri().rstrip("/") + "/"
    sarif_run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "Codie",
                "version": run.tool_version or "0",
                "semanticVersion": run.tool_version or "0.0.0",
                "informationUri": "https://github.com/codie-dev/codie",
                "rules": [rule_descriptor(rule) for rule in rules],
                "supportedTaxonomies": [{"name": "CWE", "index": 0}] if cwes else [],
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "invocations": [
            {
                "executionSuccessful": not run.errors,
                "toolExecutionNotifications": [{"level": "error", "message": {"text": e}} for e in run.errors],
            }
        ],
        "automationDetails": {"id": "codie/"},
    }
    if cwes:
        sarif_run["taxonomies"] = [
            {
                "name": "CWE",
                "version": CWE_VERSION,
                "organization": "MITRE",
                "informationUri": "https://cwe.mitre.org/",
                "shortDescription": {"text": "The MITRE Common Weakness Enumeration"},
                "taxa": [
                    {
                        "id": c.split("-", 1)[-1],
                        "name": c,
                        "helpUri": f"https://cwe.mitre.org/data/definitions/{c.split('-', 1)[-1]}.html",
                    }
                    for c in cwes
                ],
            }
        ]
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [sarif_run]}


def render(run: Run) -> str:
    return json.dumps(to_sarif(run), indent=2) + "\n"
