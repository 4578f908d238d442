"""The confidence blend, in one place.

A finding's confidence is the probability that it is a true positive. It is combined in
log-odds space, where independent signals add:

    logit(confidence) = logit(prior)            the rule's prior precision (catalogue)
                      + logit(evidence)         the analyzer's evidence for this case
                      + logit(model)            the model's verdict: P(true positive) from
                                                the logprobs of its true/false answer
                      + logit(feedback)         team feedback, see feedback_signal()

A signal of 0.5 is neutral (adds 0), and an absent signal (None) adds nothing. Each part is
kept so that the hover can say why a finding scores what it does. Signals computed after
the analyzer ran (feedback, model) are added with reblend(), which starts from the parts.

Team feedback recalibrates a rule per project. Let `expected` be the mean confidence Codie
gave the findings the team judged (before feedback). The precision of those findings has a
Beta posterior centred on what Codie predicted, worth FEEDBACK_STRENGTH observations:

    alpha = expected * FEEDBACK_STRENGTH + accepts
    beta  = (1 - expected) * FEEDBACK_STRENGTH + dismissals + suppressions

and the feedback signal is the posterior mean's shift from the prediction, in log-odds:

    logit(feedback) = logit(alpha / (alpha + beta)) - logit(expected)

So every finding of the rule moves by the miscalibration the team observed: a rule whose
findings the team confirms as often as predicted does not move; one dismissed again and
again sinks under the threshold. (Shifting from `expected` rather than from the prior keeps
the analyzer's evidence from being counted twice: the judged findings carried it too.)
"""

from __future__ import annotations

import math

EPS = 1e-4


def logit(p: float) -> float:
    p = min(1 - EPS, max(EPS, p))
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def blend(prior: float, evidence: float, **signals: float | None) -> tuple[float, tuple[tuple[str, float], ...]]:
    """Combine the prior with the evidence and any further signals (None = absent)."""
    parts: list[tuple[str, float]] = [("prior", round(prior, 4)), ("evidence", round(evidence, 4))]
    total = logit(prior) + logit(evidence)
    for name, value in signals.items():
        if value is None:
            continue
        parts.append((name, round(value, 4)))
        total += logit(value)
    return round(sigmoid(total), 4), tuple(parts)


# Codie's own prediction counts as this many observations: a handful of team verdicts
# should outweigh it.
FEEDBACK_STRENGTH = 2.0


def beta_posterior(
    expected: float, accepts: float, rejects: float, strength: float = FEEDBACK_STRENGTH
) -> tuple[float, float]:
    """(alpha, beta) of the judged findings' precision after the team's verdicts."""
    expected = min(1 - EPS, max(EPS, expected))
    return expected * strength + accepts, (1 - expected) * strength + rejects


def feedback_signal(
    expected: float, accepts: float, rejects: float, strength: float = FEEDBACK_STRENGTH
) -> float | None:
    """The team-feedback signal for blend(); None without feedback. `expected` is the mean
    confidence of the judged findings before feedback (the rule's prior if unknown)."""
    if accepts + rejects <= 0:
        return None
    alpha, beta = beta_posterior(expected, accepts, rejects, strength)
    return sigmoid(logit(alpha / (alpha + beta)) - logit(expected))


def reblend(
    parts: tuple[tuple[str, float], ...], **signals: float | None
) -> tuple[float, tuple[tuple[str, float], ...]]:
    """Blend again from a finding's parts, adding or replacing signals (None removes one)."""
    values = dict(parts)
    prior, evidence = values.pop("prior", 0.5), values.pop("evidence", 0.5)
    merged: dict[str, float | None] = {**values, **signals}
    return blend(prior, evidence, **merged)
