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
import math
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import ClassVar

from codie.analyzers.style.model import KIND_GROUP, WorkspaceModel
from codie.analyzers.style.ngram import BITS, EMPTY, MASK, TOP, Gram, Memo, NgramModel, grams
from codie.analyzers.style.scopes import Binding, ScopeTree
from codie.analyzers.style.tokens import TokenStream

BUILTINS = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | {"self", "cls"}
UNKNOWN = "<unknown name>"  # never in the vocabulary: scores as a new name
SHORTLIST = 32  # candidates by context frequency, pre-scored at the name positions
FULL_SCORES = 5  # of which the best are scored over every n-gram they touch
MAX_POSITIONS = 8  # occurrences scored per binding: more rarely changes the verdict
DOC_WEIGHT = 1.0  # how much the open document's own n-grams count, next to the project's
MARGIN_SAMPLE = 400  # bindings used to learn the margins
SLACK = 1e-9  # bits: a bound must clear the bar by this much (the scores' rounding is ~1e-13)


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


def positions_of(stream: TokenStream, binding: Binding) -> list[int]:
    """Token positions of the binding's occurrences (the first MAX_POSITIONS)."""
    index = stream.name_index
    found = sorted(index[s] for s, _ in binding.occurrences if s in index)
    return found[:MAX_POSITIONS]


class Scorer:
    """Scores names for the bindings of one document against a workspace model.

    The document counts too (a cache model: code repeats itself locally), except for the
    n-grams of the binding being judged, which must not vouch for its own name; the
    document's saved version is taken out of the workspace counts for the same reason.
    """

    # word_id of the words tried for a name kept for the next names (off: the tests' reference)
    memoize: ClassVar[bool] = True
    # rank under a bar: a name scoring at most the margin returns None before its
    # candidates' full scores (see _current_alone; off: the tests' reference)
    early_bar: ClassVar[bool] = True
    # rank under a bar: a name the project has never used returns None before its
    # candidates are sought when no candidate can beat it by the margin (see
    # _new_name_bound; off: the tests' reference)
    new_name_bar: ClassVar[bool] = True
    # rank under a bar, the name's own score known first (_current_alone): the candidates'
    # scores stop once above what could beat it by the margin (off: the tests' reference)
    capped_scores: ClassVar[bool] = True

    def __init__(self, model: WorkspaceModel, stream: TokenStream, path: str | None) -> None:
        self.model = model
        self.lm = model.lm
        self.stream = stream
        self.path = path
        vocab = self.lm.vocab.ids
        # words the model has never seen get document-local ids -2, -3, ... (-1 = new name)
        self.local: dict[str, int] = {}
        self.ids = []
        for word in stream.tokens:
            wid = vocab.get(word)
            if wid is None:
                wid = self.local.setdefault(word, -2 - len(self.local))
            self.ids.append(wid)
        self.local_words = {i: w for w, i in self.local.items()}
        # one overlay: this document in, its saved version out. A document unchanged since
        # the model saw it (always, in a headless check of trained files) cancels out.
        self.doc_grams: dict[Gram, float] = {}
        with model.lock:
            entry = model.files.get(path) if path is not None and DOC_WEIGHT == 1.0 else None
            unchanged = entry is not None and entry.ids == self.ids
        # whether the counts scored against are those of a corpus (the model's, plus this
        # document's if the model has not seen it): see _current_alone
        self._additive = unchanged
        if not unchanged:
            self.doc_grams = {g: c * DOC_WEIGHT for g, c in grams(self.ids, self.lm.order).items()}
            excluded = model.exclusion(path)
            self._additive = excluded is None and DOC_WEIGHT == 1.0
            if excluded is not None:
                doc = self.doc_grams
                for gram, c in excluded.items():
                    doc[gram] = doc.get(gram, 0.0) + c
                # what cancels out (every n-gram the edits did not touch) reads as 0 when
                # absent too: keep the difference only, not a table of the file's size
                # (~5 MiB for a 6,862-line file) for as long as the scorer lives
                self.doc_grams = {gram: c for gram, c in doc.items() if c}
                del doc
        self._doc_index = self._index_names()
        self._kind_names: dict[str, Counter[str]] = {}
        self._doc_names: dict[str, Counter[str]] | None = None
        self._sifts: dict[int, _Sift] = {}  # by id of the `known` counter they filter with
        # what score() shares between the words tried for one binding (see rank)
        self._memo: Memo | None = None
        self._touched: list[int] | None = None  # the token positions one binding's scores cover
        self._judged: str | None = None  # the name rank is judging (with memoize)
        self._wids: dict[str, int] = {}  # word_id of the words other than that name
        self._wids_generation = model.generation

    def word_of(self, wid: int) -> str:
        return self.local_words[wid] if wid < 0 else self.lm.vocab.words[wid]

    def _index_names(self) -> dict[tuple[str, Gram], list[tuple[int, int]]]:
        """(position, word) of every name, by the two tokens after / before it (packed)."""
        index: dict[tuple[str, Gram], list[tuple[int, int]]] = {}
        ids = self.ids
        for q in self.stream.name_index.values():
            if q >= 2:
                index.setdefault(("after", _pair(ids[q - 2], ids[q - 1])), []).append((q, ids[q]))
            if q + 2 < len(ids):
                index.setdefault(("before", _pair(ids[q + 1], ids[q + 2])), []).append((q, ids[q]))
        return index

    def positions(self, binding: Binding) -> list[int]:
        return positions_of(self.stream, binding)

    @contextmanager
    def overlay_for(self, positions: list[int]) -> Iterator[list[Mapping[Gram, float]]]:
        """The document's overlay minus its n-grams that touch `positions`, as one mapping
        (one lookup per n-gram in the scoring loops): added into doc_grams in place for
        the duration, then taken out again (counts are whole numbers: restored exactly)."""
        own = self._own_grams(positions)
        doc = self.doc_grams
        saved = {gram: doc.get(gram) for gram in own}
        for gram, c in own.items():
            doc[gram] = doc.get(gram, 0.0) + c
        try:
            yield [doc]
        finally:
            for gram, before in saved.items():
                if before is None:
                    del doc[gram]
                else:
                    doc[gram] = before

    def _own_grams(self, positions: list[int]) -> dict[Gram, float]:
        """-DOC_WEIGHT for each token window (of 1..order tokens) that holds one of
        `positions`, each window once, summed by n-gram; key EMPTY: -DOC_WEIGHT a position.
        Only the starts within order - 1 tokens before a position are visited, and each
        start's windows are packed one token at a time."""
        order, size = self.lm.order, len(self.ids)
        own: dict[Gram, float] = {}
        get = own.get
        ids = self.ids
        before = -1  # the position before p: the starts up to it are done
        for p in sorted(set(positions)):
            # the windows starting after the previous position whose first position is p
            for start in range(max(before + 1, p - order + 1, 0), p + 1):
                key = 1
                for t in range(start, min(start + order, size)):
                    key = (key << BITS) | (ids[t] & MASK)
                    if t >= p:
                        own[key] = get(key, 0.0) - DOC_WEIGHT
            before = p
        own[EMPTY] = -len(positions) * DOC_WEIGHT
        return own

    def word_id(self, word: str, overlay: Sequence[Mapping[Gram, float]]) -> int:
        """The id scoring uses for `word`: -1 when nothing but the binding itself knows it.

        Inside rank, a word other than the name judged is looked up once: its unigram
        count is the document's overlay's, which the name's own n-grams do not change."""
        if self._judged is not None and word != self._judged:
            found = self._wids.get(word)
            if found is None:
                found = self._wids[word] = self._word_id(word, overlay)
            return found
        return self._word_id(word, overlay)

    def _word_id(self, word: str, overlay: Sequence[Mapping[Gram, float]]) -> int:
        wid = self.local.get(word)
        if wid is None:
            wid = self.lm.vocab.ids.get(word, -1)
        if wid != -1 and self.lm.count(TOP[1] | (wid & MASK), overlay) <= 0:
            return -1
        return wid

    def known_names(self, group: str, scopes: ScopeTree, binding: Binding) -> Counter[str]:
        known = self._kind_names.get(group)
        if known is None:
            known = self._kind_names[group] = self.model.kind_names_without(self.path, group)
        if self._doc_names is None:
            self._doc_names = {}
            for b in scopes.bindings():
                g = KIND_GROUP.get(b.kind)
                if g is not None:
                    self._doc_names.setdefault(g, Counter())[b.name] += 1
        key = f"+doc:{group}"
        names = self._kind_names.get(key)
        if names is None:
            names = self._kind_names[key] = known + self._doc_names.get(group, Counter())
        return names

    def candidates(
        self,
        binding: Binding,
        positions: list[int],
        known: Counter[str],
        taken: AbstractSet[str],
        keep_current: bool = False,
    ) -> list[str]:
        ids, lm = self.ids, self.lm
        mine = set(positions)
        # Names that no binding could take (builtins, names the project never binds for
        # this kind) are left out before the tally, once per context and file: the others
        # keep their totals and their order of first appearance, so the same order below.
        # (A builtin current name kept by keep_current: the plain tally.)
        sift = None if keep_current and binding.name in BUILTINS else self._sift(known)
        # a plain dict, not a Counter (whose += on a new key is a Python-level call): the
        # same insertion order, so the same order of ties below as Counter.most_common
        found: dict[int, float] = {}
        get, doc_index = found.get, self._doc_index
        for i in positions:
            for side, context in (
                ("after", _pair(ids[i - 2], ids[i - 1]) if i >= 2 else None),
                ("before", _pair(ids[i + 1], ids[i + 2]) if i + 2 < len(ids) else None),
            ):
                if context is None:
                    continue
                if sift is not None and not keep_current:
                    # the model's and the document's names summed once per context: the
                    # same totals and order of first appearance as the loops below, but
                    # for the current name itself (the binding's own positions hold it
                    # and nothing else), which is left out of the list anyway
                    for wid, c in sift.merged(side, context):
                        found[wid] = get(wid, 0) + c
                    continue
                if sift is None:
                    around, in_doc = lm.names_around(side, context), doc_index.get((side, context), [])
                else:
                    around, in_doc = sift.around(side, context)
                for wid, c in around:
                    found[wid] = get(wid, 0) + c
                for q, wid in in_doc:
                    if q not in mine:
                        found[wid] = get(wid, 0) + 1
        out = []
        seen_in = known.get
        for word_id, _ in sorted(found.items(), key=itemgetter(1), reverse=True):
            if word_id == -1:
                continue
            name = self.word_of(word_id)
            if name == binding.name:
                if not keep_current or seen_in(name, 0) <= 1:  # bound elsewhere, not just here
                    continue
            elif name in taken or name in BUILTINS or seen_in(name, 0) <= 0:
                continue
            out.append(name)
            if len(out) >= SHORTLIST:
                break
        return out

    def _sift(self, known: Counter[str]) -> _Sift:
        found = self._sifts.get(id(known))
        if found is None or found.known is not known or found.generation != self.model.generation:
            found = self._sifts[id(known)] = _Sift(self, known)
        return found

    def score(
        self,
        positions: list[int],
        word: str,
        overlay: Sequence[Mapping[Gram, float]],
        proxy: str | None = None,
        above: float = math.inf,
    ) -> float:
        """Mean bits per token of every n-gram touching `positions` with `word` there.

        A name the project has never used has no statistics for what follows it; with a
        `proxy` (the best known candidate) the tokens after it are predicted as if it were
        the proxy, so only the choice of the name itself is judged, where it is made.
        `above` (inside rank, where every term is known to be >= 0: see _current_alone):
        inf as soon as the bits summed show the score above it, else the same value.
        """
        lm, ids = self.lm, self.ids
        saved = [ids[p] for p in positions]
        wid = self.word_id(word, overlay)
        pid = self.word_id(proxy, overlay) if proxy is not None and wid == -1 else -1
        for p in positions:
            ids[p] = pid if pid != -1 else wid
        touched = self._touched if self._memo is not None else None  # one binding: the same
        if touched is None:
            touched = sorted({j for p in positions for j in range(p, min(p + lm.order, len(ids)))})
            if self._memo is not None:
                self._touched = touched
        try:
            shared = None
            if self._memo is not None:  # inside rank(): share what no candidate changes
                limit = (above + SLACK) * len(touched) if above != math.inf else math.inf
                shared = lm.cross_entropy_shared(ids, touched, overlay, positions, self._memo, limit)
            total = (lm.cross_entropy(ids, touched, overlay) if shared is None else shared) * len(touched)
            if pid != -1:  # the name's own positions: a new name, not the proxy
                n = lm.order - 1
                for p in positions:
                    ctx = tuple(ids[max(0, p - n) : p])
                    total += lm.logprob(ctx, pid, overlay) - lm.logprob(ctx, -1, overlay)
            return total / len(touched) if touched else 0.0
        finally:
            for p, old in zip(positions, saved, strict=True):
                ids[p] = old

    def _at_names(self, positions: list[int], words: list[str], overlay: Sequence[Mapping[Gram, float]]) -> list[float]:
        """Bits of each word at the name positions only (a cheap first pass).

        Call with the positions masked (-1): other occurrences in a context count as a
        new name for every candidate alike.
        """
        ids, n = self.ids, self.lm.order - 1
        wids = [self.word_id(w, overlay) for w in words]
        return self.lm.bits_at([tuple(ids[max(0, p - n) : p]) for p in positions], wids, overlay)

    def rank(
        self,
        binding: Binding,
        scopes: ScopeTree,
        hide: bool = False,
        gate: bool = False,
        bar: tuple[float, float] | None = None,
    ) -> Ranked | None:
        """Candidates best first, and the current name's score (hide=True: name unknown).

        gate=True (the editor path) stops early, returning None, when no candidate fits
        the name positions better than the current name: no suggestion can follow.
        bar=(margin, separation): the caller suggests only when the gap beats the margin
        and the confidence reaches the separation; below that, None as soon as it is known.
        """
        group = KIND_GROUP.get(binding.kind)
        positions = self.positions(binding)
        if not positions or group is None:
            return None
        with self.model.lock, self.overlay_for(positions) as overlay, self._judging(binding):
            if bar is not None and self.new_name_bar:
                bound = self._new_name_bound(binding, positions, overlay)
                if bound is not None and bound <= bar[0] - SLACK:
                    return None  # no candidate can beat the margin (see _new_name_bound)
            taken = scopes.names_visible_in(binding.scope) - {binding.name}
            known = self.known_names(group, scopes, binding)
            # the occurrences themselves are unknown while we look for what fits there
            saved = [self.ids[p] for p in positions]
            for p in positions:
                self.ids[p] = -1
            try:
                names = self.candidates(binding, positions, known, taken, keep_current=hide)
                if not names:
                    return None
                if len(names) > FULL_SCORES or gate:  # a cheap first pass: name positions
                    bits = self._at_names(positions, [binding.name, *names], overlay)
                    quick = dict(zip(names, bits[1:], strict=True))
                    names = sorted(names, key=quick.__getitem__)[:FULL_SCORES]
                    if gate and bits[0] <= quick[names[0]]:
                        return None  # nothing fits where the name is chosen better
            finally:
                for p, old in zip(positions, saved, strict=True):
                    self.ids[p] = old
            self._memo, self._touched = {}, None  # one binding: the same positions and overlay for every word
            try:
                early = None
                if bar is not None and self.early_bar:
                    early = self._current_alone(binding, positions, overlay)
                    if early is not None and early <= bar[0]:
                        return None  # no candidate can beat it by more than the margin
                if early is not None and bar is not None and self.capped_scores and not hide:
                    # a candidate scoring above early - margin cannot beat the name by the
                    # margin: each is scored until its bits show it above (every term is
                    # >= 0 here, see _current_alone: the name itself, a candidate only
                    # with `hide`, reads its own windows); when all are, no suggestion follows
                    cap = early - bar[0]
                    capped = [(n, self.score(positions, n, overlay, above=cap)) for n in names]
                    if all(s == math.inf for _, s in capped):
                        return None
                    scored = [(n, s if s != math.inf else self.score(positions, n, overlay)) for n, s in capped]
                    scored.sort(key=lambda t: t[1])
                else:
                    scored = sorted(((n, self.score(positions, n, overlay)) for n in names), key=lambda t: t[1])
                proxy = scored[0][0] if scored else None
                # (a name the project knows is scored without the proxy: the same value)
                current = early if early is not None else self.score(positions, binding.name, overlay, proxy)
                if bar is not None and (
                    current - scored[0][1] <= bar[0] or (len(scored) > 1 and scored[1][1] - scored[0][1] < bar[1])
                ):
                    return None  # below the bar whatever a new name scores (see Ranked)
                unknown = self.score(positions, UNKNOWN, overlay, proxy)
            finally:
                self._memo = None
        return Ranked(tuple(scored), current, unknown)

    def _current_alone(
        self, binding: Binding, positions: list[int], overlay: Sequence[Mapping[Gram, float]]
    ) -> float | None:
        """The binding's current score, before the candidates' full scores, when it is
        known that no candidate can score below 0 bits; None when that is not known.

        Then a name scoring at most the margin cannot be beaten by more than the margin,
        and rank under that bar returns None whatever the candidates score. (Computed
        before the candidates are sought, it cost more than it saved: every name pays
        for its first full score, which the quick pass spares most of them.) A candidate's
        score is a mean of -log2 P, each P <= 1 when the counts it reads are those of a
        corpus: c(ctx w) <= c(ctx) - (T(ctx) - 1) with T(ctx) the distinct words after
        ctx, so (c - D)/c(ctx) + D T / c(ctx) <= 1 at every level. They are: the model's,
        plus this document's if the model has not seen it (`_additive`: the followers T
        stay the model's, never more than the corpus's), minus the binding's own windows,
        which only hold the name itself at one of `positions`, so a candidate reads none
        of them as long as the tokens it reads (order - 1 either side of each position)
        hold the name nowhere else. The name itself must be one the project knows: else
        its score takes a proxy, the best candidate."""
        if not self._additive:
            return None
        ids, reach = self.ids, self.lm.order - 1
        own, mine = ids[positions[0]], set(positions)
        for p in positions:
            for q in range(max(0, p - reach), min(len(ids), p + reach + 1)):
                if ids[q] == own and q not in mine:
                    return None
        if self.word_id(binding.name, overlay) == -1:
            return None
        return self.score(positions, binding.name, overlay)

    def _new_name_bound(
        self, binding: Binding, positions: list[int], overlay: Sequence[Mapping[Gram, float]]
    ) -> float | None:
        """An upper bound on the gap by which any candidate can beat a name the project
        has never used (bits per token), from the new-name class's bits at the name's
        positions alone; None when the argument below does not hold.

        Such a name (word_id -1) is scored with a proxy, the best candidate w (see score):
        w at every position, then at each position p the bits of w there replaced by those
        of a new name, b_p(new) = -log2 P(new | ctx_p). Its score minus w's is therefore
        sum_p (b_p(new) - b_p(w)) / |T|, T the touched positions, the same for every word
        (the other terms are w's own, added in the same order from the same memo: they
        cancel but for rounding, which SLACK covers). Each b_p(w) >= 0, that is P(w | ctx_p)
        <= 1, when the counts read are a corpus's (the argument of _current_alone: the
        model's, plus this document's if the model has not seen it, `_additive`), minus
        the binding's own windows, which a known w never reads when ctx_p holds no other
        position of the name (the new name itself occurs nowhere else: its count is 0).
        Then the gap is at most sum_p b_p(new) / |T|; and ctx_p being the document's own
        tokens, b_p(new) is the value score() computes, whichever w is the proxy. A proxy
        that is itself new (-1) scores as the name does: a gap of 0."""
        if not self._additive or self.word_id(binding.name, overlay) != -1:
            return None
        lm, ids = self.lm, self.ids
        n = lm.order - 1
        mine = set(positions)
        bits = 0.0
        for p in positions:
            if any(q in mine for q in range(max(0, p - n), p)):
                return None  # a context holding the word tried: it changes with the word
            bits -= lm.logprob(ids[max(0, p - n) : p], -1, overlay)
        touched = {j for p in positions for j in range(p, min(p + lm.order, len(ids)))}
        return bits / len(touched)

    @contextmanager
    def _judging(self, binding: Binding) -> Iterator[None]:
        """rank's state for one binding: the name judged (word_id's memo leaves it out, the
        only word whose unigram the binding's overlay changes), the memo emptied when the
        model changed since it was filled."""
        if not (self.memoize and NgramModel.shortcuts):
            yield
            return
        generation = self.model.generation
        if self._wids_generation != generation:
            self._wids.clear()
            self._wids_generation = generation
        self._judged = binding.name
        try:
            yield
        finally:
            self._judged = None


def _pair(a: int, b: int) -> Gram:
    """The packed key of the two-token context (a, b)."""
    return TOP[2] | ((a & MASK) << BITS) | (b & MASK)


class _Sift:
    """The candidate lists of one Scorer and one kind group, less the names no binding of
    that group could take: never a builtin, bound for this kind somewhere (`known`)."""

    def __init__(self, scorer: Scorer, known: Counter[str]) -> None:
        # what it reads of the scorer, not the scorer: the scorer holds its sifts, and a
        # cycle between them left every scorer (the document's n-grams, its name index,
        # these lists: ~5 MiB for a 6,862-line file) to the cyclic GC instead of freeing
        # it when its pass ends
        self.lm = scorer.lm
        self.local_words = scorer.local_words
        self.doc_index = scorer._doc_index
        self.known = known
        self.generation = scorer.model.generation  # the model's lists change with it
        self._keeps: dict[int, bool] = {}
        self._around: dict[tuple[str, Gram], tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
        self._merged: dict[tuple[str, Gram], list[tuple[int, int]]] = {}

    def keeps(self, wid: int) -> bool:
        kept = self._keeps.get(wid)
        if kept is None:
            name = self.word_of(wid) if wid != -1 else None
            kept = self._keeps[wid] = name is not None and name not in BUILTINS and self.known.get(name, 0) > 0
        return kept

    def word_of(self, wid: int) -> str:  # (Scorer.word_of)
        return self.local_words[wid] if wid < 0 else self.lm.vocab.words[wid]

    def around(self, side: str, context: Gram) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """The model's names around `context` ((word, count), most frequent first) and the
        document's ((position, word), in order), each less the names left out."""
        found = self._around.get((side, context))
        if found is None:
            keeps = self.keeps
            model = [(w, c) for w, c in self.lm.names_around(side, context) if keeps(w)]
            doc = [(q, w) for q, w in self.doc_index.get((side, context), ()) if keeps(w)]
            found = (model, doc)
            if len(self._around) > 50_000:
                self._around.clear()
            self._around[(side, context)] = found
        return found

    def merged(self, side: str, context: Gram) -> list[tuple[int, int]]:
        """around()'s two lists as one tally (word, count), in order of first appearance:
        the model's names, then the document's (each occurrence counts one)."""
        found = self._merged.get((side, context))
        if found is None:
            model, doc = self.around(side, context)
            tally: dict[int, int] = {}
            get = tally.get
            for w, c in model:
                tally[w] = get(w, 0) + c
            for _, w in doc:
                tally[w] = get(w, 0) + 1
            found = list(tally.items())
            if len(self._merged) > 50_000:
                self._merged.clear()
            self._merged[(side, context)] = found
        return found
