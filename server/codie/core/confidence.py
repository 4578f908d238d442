"""The confidence blend, in one place.

A finding's confidence is the probability that it is a true positive. It is combined in
log-odds space, where independent signals add:

    logit(confidence) = logit(prior)            the rule's prior precision (catalogue)
                      + logit(evidence)         the analyzer's evidence for this case
                      + [further signals]       model verdict, team feedback (later)

A signal of 0.5 is neutral (adds 0). Each part is kept so that the hover can say why
a finding scores what it does.
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
