"""A self-contained HTML audit report."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from codie.report.model import Run
from codie.report.summary import Entry, summarize

STYLE = """body{font:14px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .6rem}
pre{background:#f5f5f5;padding:.5rem;overflow:auto}.error{color:#b00}.warning{color:#a60}
blockquote{color:#555;border-left:3px solid #ccc;margin:0;padding-left:.8rem}"""


def _table(head: tuple[str, ...], rows: Sequence[tuple[object, ...]]) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{th}</tr>{body}</table>"


def _entry(e: Entry) -> str:
    f = e.located.finding
    cwe = f" · {escape(', '.join(f.cwe))}" if f.cwe else ""
    path = "".join(f"<li>{escape(loc.message)}</li>" for loc in f.related)
    return (
        f"<section><h4><code>{escape(f.rule_id)}</code> {escape(e.title)}</h4>"
        f"<p><b class='{f.severity.value}'>{f.severity.value}</b> · confidence {f.confidence:.0%}{cwe}"
        f" · <code>{escape(e.located.path)}:{e.located.start_line}</code></p>"
        f"<p>{escape(f.message)}</p><pre>{escape(e.located.snippet)}</pre>"
        + (f"<ol>{path}</ol>" if path else "")
        + (f"<blockquote>{escape(e.explanation)}</blockquote>" if e.explanation else "")
        + "</section>"
    )


def render(run: Run) -> str:
    s = summarize(run)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Codie audit report</title>",
        f"<style>{STYLE}</style></head><body><h1>Codie audit report</h1>",
        f"<p>{s.total} finding(s) in {s.files} file(s) (Codie {escape(run.tool_version)}); "
        f"{s.suppressed} suppressed.</p><h2>Summary</h2>",
        _table(("severity", "findings"), list(s.by_severity.items())),
        _table(("confidence", "findings"), list(s.by_confidence.items())),
    ]
    if s.by_rule:
        parts.append(_table(("rule", "title", "findings"), s.by_rule))
    if s.findings:
        parts.append("<h2>Findings</h2>" + "".join(_entry(e) for e in s.findings))
    if s.advisories:
        parts.append("<h2>Dependency advisories</h2>" + "".join(_entry(e) for e in s.advisories))
    parts.append("</body></html>\n")
    return "".join(parts)
