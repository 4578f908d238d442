"""A Markdown audit report (also the body of the pull-request summary)."""

from __future__ import annotations

from codie.report.model import Run
from codie.report.summary import Entry, summarize


def _entry(e: Entry) -> list[str]:
    f = e.located.finding
    loc = f"{e.located.path}:{e.located.start_line}"
    cwe = f" · {', '.join(f.cwe)}" if f.cwe else ""
    out = [
        f"#### `{f.rule_id}` {e.title}",
        f"**{f.severity.value}** · confidence {f.confidence:.0%}{cwe} · `{loc}`",
        "",
        f"{f.message}",
        "",
        "```python",
        e.located.snippet.rstrip() or " ",
        "```",
    ]
    if f.related:
        out += ["", "Path: " + " → ".join(loc.message for loc in f.related)]
    if e.explanation:
        out += ["", f"> {e.explanation}"]
    return [*out, ""]


def render(run: Run) -> str:
    s = summarize(run)
    lines = ["# Codie audit report", ""]
    lines.append(f"{s.total} finding(s) in {s.files} file(s) (Codie {run.tool_version}); {s.suppressed} suppressed.")
    lines += ["", "## Summary", "", "| severity | findings |", "|---|---|"]
    lines += [f"| {sev} | {n} |" for sev, n in s.by_severity.items()]
    lines += ["", "| confidence | findings |", "|---|---|"]
    lines += [f"| {b} | {n} |" for b, n in s.by_confidence.items()]
    if s.by_rule:
        lines += ["", "| rule | title | findings |", "|---|---|---|"]
        lines += [f"| {rid} | {title} | {n} |" for rid, title, n in s.by_rule]
    if s.findings:
        lines += ["", "## Findings", ""]
        for e in s.findings:
            lines += _entry(e)
    if s.advisories:
        lines += ["", "## Dependency advisories", ""]
        for e in s.advisories:
            lines += _entry(e)
    return "\n".join(lines).rstrip() + "\n"
