"""The model's verdict on a finding, as a probability, from the logprobs of its answer.

The model answers "true" or "false"; at the first answer token we add up the probability
of every alternative that means true and every one that means false and normalise. When
the provider gives no logprobs there is no verdict (a bare word is not a probability).
The result is clamped so that one model answer can move, but never decide, a score.
"""

from __future__ import annotations

from codie.llm.base import Completion, probability

TRUE_WORDS = ("true", "yes")
FALSE_WORDS = ("false", "no")
CLAMP = (0.05, 0.95)


def _meaning(token: str) -> bool | None:
    word = token.strip().strip(".,!\"'`*").lower()
    if not word:
        return None
    if word in TRUE_WORDS or any(w.startswith(word) and len(word) >= 2 for w in ("true",)):
        return True
    if word in FALSE_WORDS or any(w.startswith(word) and len(word) >= 3 for w in ("false",)):
        return False
    return None


def verdict_from(completion: Completion) -> float | None:
    """P(true positive) from the first answer token's alternatives, or None."""
    for token in completion.logprobs:
        alternatives = dict(token.top)
        alternatives.setdefault(token.token, token.logprob)
        meanings = {tok: _meaning(tok) for tok in alternatives}
        if all(m is None for m in meanings.values()):
            if token.token.strip():
                return None  # the answer started with something else
            continue  # leading whitespace token: look at the next one
        yes = sum(probability(lp) for tok, lp in alternatives.items() if meanings[tok] is True)
        no = sum(probability(lp) for tok, lp in alternatives.items() if meanings[tok] is False)
        # the side missing from the top-k has at most the probability mass left over
        rest = max(1e-4, 1.0 - sum(probability(lp) for lp in alternatives.values()))
        yes, no = yes or rest, no or rest
        return min(CLAMP[1], max(CLAMP[0], yes / (yes + no)))
    return None
