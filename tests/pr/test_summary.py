"""The summary's ranking and noise filter, with the repository's feedback applied."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from codie.core.config import Settings
from codie.headless import check_paths
from codie.llm.feedback import FeedbackStore
from codie.pr.job import fingerprint
from codie.pr.summary import render, triage
from codie.report.model import Located
from tests.pr.helpers import VULNERABLE


def findings(tmp_path: Path) -> list[Located]:
    (tmp_path / "app.py").write_text(VULNERABLE)
    # CPX100 ("never called") would flag this one-file project's helpers: not what is tested here
    settings = Settings(min_confidence=0.0, ignore=("CPX100",))
    return check_paths([tmp_path], tmp_path, settings, jobs=1).results


def test_ranking_threshold_and_feedback(tmp_path: Path) -> None:
    results = findings(tmp_path)
    by_rule = sorted((r.finding.rule_id, r.start_line, r.finding.confidence) for r in results)
    assert [(rule, line) for rule, line, _ in by_rule] == [("Q001", 15), ("SEC001", 9), ("SEC001", 17)]

    plain = triage(results, 0.3, None, "github:acme/shop", fingerprint)
    # the errors (request data evaluated: higher confidence) before the warning, in file order
    assert [(r.finding.rule_id, r.start_line) for r in plain.shown] == [("SEC001", 9), ("SEC001", 17), ("Q001", 15)]
    assert plain.hidden == 0

    # above the Q001 finding's confidence: hidden by the noise filter, and counted
    strict = triage(results, 0.8, None, "github:acme/shop", fingerprint)
    assert [r.finding.rule_id for r in strict.shown] == ["SEC001", "SEC001"] and len(strict.below) == 1
    text = render(strict)
    assert "**Hidden by the noise filter: 1** (1 below the 80% confidence threshold)." in text
    sec001 = next(c for rule, _, c in by_rule if rule == "SEC001")
    assert f"| 1 | error | {sec001:.0%} | `SEC001` | `app.py:9` |" in text

    # the team dismissed one SEC001 in this repository: that one is hidden as dismissed, and
    # the rule's other finding scores lower (here: under the 30% threshold)
    store = FeedbackStore(tmp_path / "feedback.db")
    try:
        line9 = next(r for r in results if r.start_line == 9)
        for _ in range(5):
            store.record("github:acme/shop", "SEC001", "dismiss", fingerprint(line9), line9.finding.confidence)
        judged = triage(results, 0.3, store, "github:acme/shop", fingerprint)
        other = triage(results, 0.3, store, "github:other/repo", fingerprint)
    finally:
        store.close()
    assert [r.start_line for r in judged.dismissed] == [9]
    (lowered,) = judged.below
    assert lowered.start_line == 17 and lowered.finding.confidence < 0.3
    assert dict(lowered.finding.confidence_parts)["feedback"] < 0.5
    assert "1 below the 30% confidence threshold; 1 dismissed with `@codie ignore`" in render(judged)
    assert other.hidden == 0  # feedback is per repository


def test_suppressed_findings_are_neither_shown_nor_counted(tmp_path: Path) -> None:
    results = findings(tmp_path)
    suppressed = [dataclasses.replace(r, suppressed="# codie: ignore[SEC001]") for r in results]
    t = triage(suppressed, 0.3, None, "p", fingerprint)
    assert t.shown == [] and t.hidden == 0
