"""The blend with model verdicts and team feedback, and the feedback store."""

from __future__ import annotations

from pathlib import Path

import pytest

from codie.core.confidence import blend, feedback_signal, reblend
from codie.llm.base import Completion, TokenLogprob
from codie.llm.feedback import FeedbackStore
from codie.llm.verdict import verdict_from


def test_blend_is_unchanged_without_new_signals() -> None:
    conf, parts = blend(0.7, 0.5)
    assert conf == 0.7 and parts == (("prior", 0.7), ("evidence", 0.5))
    assert reblend(parts, model=None, feedback=None) == (conf, parts)


def test_feedback_moves_the_prior_to_the_posterior() -> None:
    assert feedback_signal(0.7, 0, 0) is None
    assert feedback_signal(0.7, 3, 0) > 0.5 > feedback_signal(0.7, 0, 3)  # type: ignore[operator]
    # the blend of prior and feedback signal is the posterior mean (prior counted once)
    signal = feedback_signal(0.7, 1, 5)
    conf, parts = reblend((("prior", 0.7), ("evidence", 0.5)), feedback=signal)
    assert conf == pytest.approx((0.7 * 2 + 1) / (2 + 6), abs=1e-3)
    assert [name for name, _ in parts] == ["prior", "evidence", "feedback"]


def test_model_verdict_is_one_more_log_odds_term() -> None:
    conf, parts = reblend((("prior", 0.5), ("evidence", 0.5)), model=0.9)
    assert conf == pytest.approx(0.9, abs=1e-3) and dict(parts)["model"] == 0.9
    conf2, _ = reblend(parts, model=0.2)  # replacing, not stacking
    assert conf2 == pytest.approx(0.2, abs=1e-3)


def test_verdict_from_logprobs() -> None:
    def tokens(*toks: TokenLogprob) -> Completion:
        return Completion("x", toks)

    lp = -0.2231435  # ln 0.8
    assert verdict_from(tokens(TokenLogprob("False", lp, (("False", lp), ("True", -1.609))))) == pytest.approx(
        0.2, abs=1e-3
    )
    # leading whitespace token skipped; alternatives missing one side use the mass left over
    got = verdict_from(tokens(TokenLogprob(" ", -0.01), TokenLogprob("true", -0.01)))
    assert got == 0.95  # clamped
    assert verdict_from(tokens(TokenLogprob("Maybe", -0.1))) is None
    assert verdict_from(Completion("true")) is None  # no logprobs, no verdict


def test_store_persists_counts_and_rejected_fingerprints(tmp_path: Path) -> None:
    db = tmp_path / "codie.db"
    store = FeedbackStore(db)
    for verdict in ("dismiss", "dismiss", "accept", "suppress"):
        store.record("/proj", "Q003", verdict, "fp1" if verdict == "suppress" else None)
    store.record("/other", "Q003", "accept")
    with pytest.raises(ValueError):
        store.record("/proj", "Q003", "maybe")
    store.close()
    again = FeedbackStore(db)
    post = again.posterior("/proj", "Q003", 0.6)
    assert (post.accepts, post.rejects) == (1, 3)
    assert (post.alpha, post.beta) == pytest.approx((0.6 * 2 + 1, 0.4 * 2 + 3))
    assert again.is_rejected("/proj", "fp1") and not again.is_rejected("/other", "fp1")
    assert again.signal("/other", "Q003", 0.6) > 0.5  # type: ignore[operator]
    again.record("/proj", "Q003", "accept", "fp1")  # accepting un-rejects the finding
    assert not again.is_rejected("/proj", "fp1")


def test_feedback_recalibrates_from_the_confidence_codie_gave() -> None:
    store = FeedbackStore(":memory:")
    shown, parts = blend(0.6, 0.6)  # 0.69
    # findings shown at 0.69 that the team confirms 60% of the time...
    for verdict in ("accept", "accept", "accept", "dismiss", "dismiss"):
        store.record("p", "Q003", verdict, confidence=shown)
    post = store.posterior("p", "Q003", prior=0.6)
    assert post.expected == pytest.approx(shown)
    assert post.precision == pytest.approx((shown * 2 + 3) / 7)
    # ...move down to that posterior, evidence included (not counted twice)
    conf, _ = reblend(parts, feedback=store.signal("p", "Q003", 0.6))
    assert conf == pytest.approx(post.precision, abs=2e-3)
    # a rule confirmed exactly as often as predicted does not move
    calm = FeedbackStore(":memory:")
    for verdict in ("accept", "dismiss"):
        calm.record("p", "X", verdict, confidence=0.5)
    assert calm.signal("p", "X", 0.9) == pytest.approx(0.5)
