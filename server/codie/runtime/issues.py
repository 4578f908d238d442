"""Turn a RunReport into issues anchored in files: the failing assertion, the function under
test, and "slowed down" on the functions a slower test exercises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (the start path loads RuntimeState before a first publish: not the runner)
    from codie.runtime.runner import RunReport


@dataclass(frozen=True)
class RuntimeIssue:
    rule_id: str
    file: str  # relative to the project root, posix
    line: int  # 1-based
    message: str
    function: str | None = None  # anchor on this def when the line moved

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "function": self.function,
        }


def _short(message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else "failed"
    return first[:300]


def issues(report: RunReport) -> list[RuntimeIssue]:
    found: list[RuntimeIssue] = []
    by_id = {t["nodeid"]: t for t in report.tests}
    for test in report.failed:
        failure = test.get("failure") or {}
        message = _short(failure.get("message", "failed"))
        found.append(
            RuntimeIssue(
                "RUN001",
                failure.get("file", test["file"]),
                int(failure.get("line", test["line"])),
                f"Test {test['nodeid']} fails: {message}",
            )
        )
        raised = failure.get("raised_in")
        if raised:
            found.append(
                RuntimeIssue(
                    "RUN002",
                    raised["file"],
                    int(raised["line"]),
                    f"{test['nodeid']} fails here: {message}",
                    function=None,
                )
            )
        for target in test.get("targets", []):
            if raised and target["file"] == raised["file"] and target["name"] == raised.get("function"):
                continue
            found.append(
                RuntimeIssue(
                    "RUN002",
                    target["file"],
                    int(target["line"]),
                    f"`{target['name']}` is under test by failing {test['nodeid']}: {message}",
                    function=target["name"],
                )
            )
    for anomaly in report.anomalies:
        slow = by_id.get(anomaly.nodeid)
        if slow is None:
            continue
        test = slow
        rule = "RUN004" if anomaly.metric == "benchmark" else "RUN003"
        what = "benchmark" if anomaly.metric == "benchmark" else "test"
        targets = test.get("targets") or []
        for target in targets:
            found.append(
                RuntimeIssue(
                    rule,
                    target["file"],
                    int(target["line"]),
                    f"`{target['name']}` slowed down ({what} {anomaly.nodeid}): {anomaly.describe()}",
                    function=target["name"],
                )
            )
        found.append(
            RuntimeIssue(
                rule,
                test["file"],
                int(test["line"]),
                f"{what.capitalize()} {anomaly.nodeid} slowed down: {anomaly.describe()}",
                function=test["name"].split("[")[0],
            )
        )
    for error in report.errors:
        found.append(
            RuntimeIssue(
                "RUN005",
                error.get("file") or error.get("nodeid", ""),
                1,
                f"Tests could not be collected: {_short(error.get('message', ''))}",
            )
        )
    return found
