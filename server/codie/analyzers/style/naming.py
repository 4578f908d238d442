"""Naming suggestions, NATURALIZE style.

For one binding (all occurrences of one local, parameter, function, method or class):
1. candidates are the names the project uses in the same two-token contexts (left or right
   of any occurrence) that it also binds for the same kind of thing, minus names that would
   clash in the scope;
2. every candidate (and the current name) is substituted at all occurrences at once and
   scored by the mean cross-entropy (-log2 P, bits) of every n-gram touching them;
3. the gap between the current name's score and the best candidate's is what a
   suggestion rests on: it is made only when the gap beats the workspace's learned margin.
"""

from __future__ import annotations

import builtins
import keyword
from collections import Counter
from dataclasses import dataclass

from codie.analyzers.style.model import KIND_GROUP, WorkspaceModel
from codie.analyzers.style.scopes import Binding, ScopeTree
from codie.analyzers.style.tokens import TokenStream

BUILTINS = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | {"self", "cls"}
UNKNOWN = "<unknown name>"  # never in the vocabulary: scores as a new name
SHORTLIST = 24  # candidates scored in full, by context frequency
MARGIN_SAMPLE = 400  # bindings used to learn the margins


@dataclass(frozen=True, slots=True)
class Ranked:
    names: tuple[tuple[str, float], ...]  # (name, score in bits), best first
    current: float  # the current name's score
    unknown: float  # the score of a name the project has never used here

    @property
    def best(self) -> tuple[str, float] | None:
        return self.names[0] if self.names else None

    @property
    def gap(self) -> float:
        """How many bits better the best candidate is than the current name."""
        return self.current - self.names[0][1] if self.names else 0.0

    @property
    def confidence(self) -> float:
        """How clearly the best candidate beats the runner-up (another name or a new one)."""
        if not self.names:
            return float("-inf")
        runner_up = min([self.unknown, *(s for _, s in self.names[1:2])])
        return runner_up - self.names[0][1]


class Scorer:
    """Scores names for the bindings of one document against a workspace model."""

    def __init__(self, model: WorkspaceModel, stream: TokenStream, path: str | None) -> None:
        self.model = model
        self.lm = model.lm
        self.stream = stream
        self.path = path
        self.ids = self.lm.vocab.lookup(stream.tokens)
        self.exclude = model.exclusion(path)
        self._kind_names: dict[str, Counter[str]] = {}

    def word_id(self, word: str) -> int:
        """The model's id for `word`, or -1 when only this file knows it (so: new here)."""
        wid = self.lm.vocab.ids.get(word, -1)
        if wid >= 0 and self.exclude is not None and \
                self.lm.count((wid,), self.exclude) <= 0:
            return -1
        return wid

    def positions(self, binding: Binding) -> list[int]:
        index = self.stream.name_index
        return [index[s] for s, _ in binding.occurrences if s in index]

    def candidates(self, binding: Binding, positions: list[int], taken: set[str],
                   keep_current: bool = False) -> list[str]:
        group = KIND_GROUP.get(binding.kind)
        if group is None:
            return []
        known = self._kind_names.get(group)
        if known is None:
            known = self._kind_names[group] = self.model.kind_names_without(self.path, group)
        ids, lm, words = self.ids, self.lm, self.lm.vocab.words
        found: Counter[int] = Counter()
        for i in positions:
            if i >= 2:
                found.update(lm.names_after.get((ids[i - 2], ids[i - 1]), ()))
            if i + 2 < len(ids):
                found.update(lm.names_before.get((ids[i + 1], ids[i + 2]), ()))
        out = []
        for word_id, _ in found.most_common():
            name = words[word_id]
            if (name == binding.name and not keep_current) or name in taken \
                    or name in BUILTINS or not known[name]:
                continue
            out.append(name)
            if len(out) >= SHORTLIST:
                break
        return out

    def score(self, positions: list[int], word: str, proxy: str | None = None) -> float:
        """Mean bits per token of every n-gram touching `positions` with `word` there.

        A name the project has never used has no statistics for what follows it; with a
        `proxy` (the best known candidate) the tokens after it are predicted as if it were
        the proxy, so only the choice of the name itself is judged, where it is made.
        """
        lm, ids = self.lm, self.ids
        saved = [ids[p] for p in positions]
        wid = self.word_id(word)
        pid = self.word_id(proxy) if proxy is not None and wid < 0 else -1
        for p in positions:
            ids[p] = pid if pid >= 0 else wid
        touched = sorted({j for p in positions for j in range(p, min(p + lm.order, len(ids)))})
        try:
            total = lm.cross_entropy(ids, touched, self.exclude) * len(touched)
            if pid >= 0:  # the name's own positions: a new name, not the proxy
                n = lm.order - 1
                for p in positions:
                    ctx = tuple(ids[max(0, p - n) : p])
                    total += lm.interpolated(ctx, pid, self.exclude)
                    total -= lm.interpolated(ctx, -1, self.exclude)
            return total / len(touched) if touched else 0.0
        finally:
            for p, old in zip(positions, saved, strict=True):
                ids[p] = old

    def rank(self, binding: Binding, scopes: ScopeTree, hide: bool = False) -> Ranked | None:
        """Candidates best first, and the current name's score (hide=True: name unknown)."""
        positions = self.positions(binding)
        if not positions:
            return None
        with self.model.lock:
            taken = scopes.names_visible_in(binding.scope) - {binding.name}
            # the occurrences themselves are unknown while we look for what fits there
            saved = [self.ids[p] for p in positions]
            for p in positions:
                self.ids[p] = -1
            try:
                names = self.candidates(binding, positions, taken, keep_current=hide)
            finally:
                for p, old in zip(positions, saved, strict=True):
                    self.ids[p] = old
            scored = sorted(((n, self.score(positions, n)) for n in names), key=lambda t: t[1])
            proxy = scored[0][0] if scored else None
            current = self.score(positions, binding.name, proxy)
            unknown = self.score(positions, UNKNOWN, proxy)
        return Ranked(tuple(scored), current, unknown)

