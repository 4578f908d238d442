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

Team feedback: the rule's precision in a project has a Beta posterior whose prior is
Beta(prior * FEEDBACK_STRENGTH, (1 - prior) * FEEDBACK_STRENGTH), i.e. the catalogue's
prior counts as FEEDBACK_STRENGTH observations. Each accept adds 1 to alpha, each dismiss
or suppress 1 to beta. The feedback signal is the posterior mean's shift from the prior in
log-odds, so that the blend replaces the prior by the posterior instead of counting it twice:

    logit(feedback) = logit(alpha / (alpha + beta)) - logit(prior)
"""

from __future__ import annotations

import math

EPS = 1e-4


def logit(p: float) -> float:
    p = min(1 - EPS, max(EPS, p))
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def blend(
    prior: float, evidence: float, **signals: float | None
) -> tuple[float, tuple[tuple[str, float], ...]]:
    """Combine the prior with the evidence and any further signals (None = absent)."""
    parts: list[tuple[str, float]] = [("prior", round(prior, 4)), ("evidence", round(evidence, 4))]
    total = logit(prior) + logit(evidence)
    for name, value in signals.items():
        if value is None:
            continue
        parts.append((name, round(value, 4)))
        total += logit(value)
    return round(sigmoid(total), 4), tuple(parts)


# The catalogue prior counts as this many observations of the rule's precision: it is a
# guess, so a handful of team verdicts should outweigh it.
FEEDBACK_STRENGTH = 2.0


def beta_posterior(
    prior: float, accepts: float, rejects: float, strength: float = FEEDBACK_STRENGTH
) -> tuple[float, float]:
    """(alpha, beta) of the rule's precision after the team's accepts and rejects."""
    prior = min(1 - EPS, max(EPS, prior))
    return prior * strength + accepts, (1 - prior) * strength + rejects


def feedback_signal(
    prior: float, accepts: float, rejects: float, strength: float = FEEDBACK_STRENGTH
) -> float | None:
    """The team-feedback signal for blend(); None without feedback."""
    if accepts + rejects <= 0:
        return None
    alpha, beta = beta_posterior(prior, accepts, rejects, strength)
    return sigmoid(logit(alpha / (alpha + beta)) - logit(prior))


def reblend(
    parts: tuple[tuple[str, float], ...], **signals: float | None
) -> tuple[float, tuple[tuple[str, float], ...]]:
    """Blend again from a finding's parts, adding or replacing signals (None removes one)."""
    values = dict(parts)
    prior, evidence = values.pop("prior", 0.5), values.pop("evidence", 0.5)
    merged: dict[str, float | None] = {**values, **signals}
    return blend(prior, evidence, **merged)
