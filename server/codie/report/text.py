"""A readable table for terminals and CI logs."""

from __future__ import annotations

from collections import Counter

from codie.report.model import Run


def render(run: Run) -> str:
    rows = run.shown
    if not rows:  # what could not be read still says so
        return "".join([f"No findings in {len(run.files)} file(s).\n", *(f"error: {err}\n" for err in run.errors)])
    lines = []
    width_loc = max(len(f"{r.path}:{r.start_line}:{r.start_col}") for r in rows)
    width_rule = max(len(r.finding.rule_id) for r in rows)
    for r in rows:
        loc = f"{r.path}:{r.start_line}:{r.start_col}"
        f = r.finding
        lines.append(
            f"{loc:<{width_loc}}  {f.severity.value:<7}  {f.rule_id:<{width_rule}}  {f.confidence:4.0%}  {f.message}"
        )
    counts = Counter(r.severity.value for r in rows)
    summary = ", ".join(f"{n} {sev}" for sev, n in sorted(counts.items()))
    lines.append("")
    lines.append(f"{len(rows)} finding(s) in {len(run.files)} file(s): {summary}")
    for err in run.errors:
        lines.append(f"error: {err}")
    return "\n".join(lines) + "\n"
