"""An n-gram language model over style tokens, with interpolated absolute discounting.

Counts are kept for every order 1..N in one dict keyed by tuples of token ids. Files are
added and removed as count deltas, which is what makes per-save updates cheap and what
leave-one-file-out evaluation uses. Overlays let a caller score one file as if the model
had never seen it (a file must not vouch for its own names) and add the open document's
own n-grams (a cache model: code is locally repetitive).
"""

from __future__ import annotations

import keyword
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import ClassVar

ORDER = 5
DISCOUNT = 0.75

Gram = tuple[int, ...]
Overlay = Sequence[Mapping[Gram, float]]


def grams(ids: Sequence[int], order: int = ORDER) -> Counter[Gram]:
    """Every n-gram of orders 1..order in `ids`; key () holds the number of tokens."""
    counts: Counter[Gram] = Counter()
    for n in range(1, order + 1):
        counts.update(zip(*(ids[i:] for i in range(n)), strict=False))
    counts[()] = len(ids)
    return counts


def is_name(word: str) -> bool:
    return word.isidentifier() and not keyword.iskeyword(word)


class Vocabulary:
    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.words: list[str] = []

    def id(self, word: str) -> int:
        found = self.ids.get(word)
        if found is None:
            found = self.ids[word] = len(self.words)
            self.words.append(word)
        return found

    def lookup(self, words: Iterable[str]) -> list[int]:
        """Ids without growing the vocabulary: unknown words get -1 (never counted)."""
        get = self.ids.get
        return [get(w, -1) for w in words]

    def name_ids_in(self, ids: Iterable[int]) -> set[int]:
        words = self.words
        return {i for i in set(ids) if is_name(words[i])}

    def encode(self, words: Iterable[str]) -> list[int]:
        ids, get = self.ids, self.ids.get
        out = []
        for w in words:
            i = get(w)
            if i is None:
                i = ids[w] = len(self.words)
                self.words.append(w)
            out.append(i)
        return out


class NgramModel:
    """Counts of all orders, updated by deltas; the probability of a token in context."""

    shortcuts: ClassVar[bool] = True  # the scoring short cuts (off: the tests' reference)

    def __init__(self, order: int = ORDER) -> None:
        self.order = order
        self.vocab = Vocabulary()
        self.counts: dict[Gram, int] = {}
        self.total = 0  # number of unigram tokens
        # names that followed a two-token context / preceded one: the candidate index
        self.names_after: dict[Gram, Counter[int]] = {}
        self.names_before: dict[Gram, Counter[int]] = {}
        self.name_ids: set[int] = set()
        # distinct words seen after each context (key () = the vocabulary in use): how
        # likely a context is to be followed by something new (Witten-Bell)
        self.followers: dict[Gram, int] = {}
        self._around: dict[tuple[str, Gram], list[tuple[int, int]]] = {}

    def apply(self, delta: Counter[Gram] | dict[Gram, int], sign: int = 1) -> None:
        """Add (sign=1) or remove (sign=-1) a file's n-gram counts."""
        counts, names = self.counts, self.name_ids
        self._around.clear()
        for gram, c in delta.items():
            if not gram:
                continue
            c *= sign
            before = counts.get(gram, 0)
            new = before + c
            if new > 0:
                counts[gram] = new
            else:
                counts.pop(gram, None)
            if (before > 0) != (new > 0):
                ctx = gram[:-1]
                left = self.followers.get(ctx, 0) + (1 if new > 0 else -1)
                if left > 0:
                    self.followers[ctx] = left
                else:
                    self.followers.pop(ctx, None)
            n = len(gram)
            if n == 1:
                self.total += c
            elif n == 3:
                if gram[2] in names:
                    _bump(self.names_after, gram[:2], gram[2], c)
                if gram[0] in names:
                    _bump(self.names_before, gram[1:], gram[0], c)

    def names_around(self, side: str, key: Gram, limit: int = 40) -> list[tuple[int, int]]:
        """The names most often seen after (side "after") or before a two-token context."""
        cached = self._around.get((side, key))
        if cached is None:
            bucket = (self.names_after if side == "after" else self.names_before).get(key)
            cached = bucket.most_common(limit) if bucket else []
            if len(self._around) > 50_000:
                self._around.clear()
            self._around[(side, key)] = cached
        return cached

    def count(self, gram: Gram, overlay: Overlay = ()) -> float:
        c: float = self.counts.get(gram, 0)
        for extra in overlay:
            c += extra.get(gram, 0)
        return c

    def _lookups(self, overlay: Overlay) -> tuple[_Get, _Get, bool]:
        """(the model's count lookup, the overlays' lookup, skip the lookups that must be 0)
        for the scoring loops below: the hot path of naming (millions of lookups per
        check). The overlays are summed into one mapping (the scorer passes one already:
        see naming.Scorer.overlay_for); counts are whole numbers, so any order of the
        additions gives the same value. With `shortcuts` off (the tests' reference) every
        lookup sums the overlays one by one, none is skipped and nothing is shared."""
        if not self.shortcuts:
            count = self.count

            def plain(gram: Gram, _default: int = 0) -> float:
                return count(gram, overlay)

            return plain, _EMPTY.get, False
        if not overlay:
            return self.counts.get, _EMPTY.get, True
        if len(overlay) == 1:
            return self.counts.get, overlay[0].get, True
        merged: dict[Gram, float] = {}
        for extra in overlay:
            for gram, c in extra.items():
                merged[gram] = merged.get(gram, 0) + c
        return self.counts.get, merged.get, True

    def logprob(self, context: Gram, word: int, overlay: Overlay = (), total: float | None = None) -> float:
        """log2 P(word | context) with interpolated absolute discounting (D = DISCOUNT).

        P(w|ctx) = max(c(ctx w) - D, 0) / c(ctx) + D T(ctx) / c(ctx) * P(w|shorter ctx),
        where T(ctx) is the number of distinct words seen after ctx. `word` -1 stands for
        the class of words never seen: it gets only the escape mass, so a new name is
        likely exactly where the project itself keeps using new names. Context tokens
        up to the last -1 are dropped (nothing is known of what follows a new word).
        `overlay` are count deltas added to the model's (a document's own n-grams, or a
        file's n-grams negated to score it as if unseen); `total` is the token count with
        the overlays applied, when the caller has it.
        """
        if total is None:
            total = self.total + sum(extra.get((), 0) for extra in overlay)
        cg, og, skip = self._lookups(overlay)
        p, word_seen = self._unigram(word, total, cg, og, skip)
        context = _after_new(context)
        return _bits(self._levels(context, word, p, word_seen, 1, min(len(context), self.order - 1), cg, og, skip)[0])

    def _unigram(self, word: int, total: float, cg: _Get, og: _Get, skip: bool) -> tuple[float, bool]:
        """The interpolation's first level: (p, whether the word's unigram was seen)."""
        if word == -1:  # the class of all new words: the unigram level's escape mass
            return min(0.5, DISCOUNT * max(1, self.followers.get((), 1)) / max(total, 1)), False
        gram: Gram = (word,)
        c: float = cg(gram, 0) + og(gram, 0)
        d = c - DISCOUNT
        return (d if d > 0 else 0) / max(total, 1) + DISCOUNT / max(total, 1), c > 0 or not skip

    def _levels(
        self, context: Gram, word: int, p: float, word_seen: bool, first: int, last: int, cg: _Get, og: _Get, skip: bool
    ) -> tuple[float, bool, bool]:
        """The back-off loop, in one place: context levels first..last (suffixes of that
        many tokens) on top of p, the level below. Returns (p, word_seen, stopped at an
        unseen context). `word_seen`: whether the word's n-gram at the last level had a
        positive count. Counts are whole numbers and an n-gram never counts more than its
        shorter suffix (the model, the document and the overlays are all sets of whole
        token windows), so once one is 0 the longer ones are too: with `skip` their
        lookups are left out (the same result)."""
        followers = self.followers
        k = len(context)
        for n in range(first, last + 1):
            ctx = context[k - n :]
            seen: float = cg(ctx, 0) + og(ctx, 0)
            if seen <= 0:
                return p, word_seen, True
            distinct = followers.get(ctx, 1)
            if word_seen:
                gram = (*ctx, word)
                c: float = cg(gram, 0) + og(gram, 0)
                word_seen = c > 0 or not skip
                d = c - DISCOUNT
                p = (d if d > 0 else 0) / seen + DISCOUNT * distinct / seen * p
            else:  # a count of 0: the first term is 0.0, and 0.0 + x is x
                p = DISCOUNT * distinct / seen * p
        return p, word_seen, False

    def logprobs(self, context: Gram, words: Sequence[int], overlay: Overlay = ()) -> list[float]:
        """logprob(context, w) for many words at once: the context is looked up once."""
        return [-bits for bits in self.bits_at([context], words, overlay)]

    def bits_at(self, contexts: Sequence[Gram], words: Sequence[int], overlay: Overlay = ()) -> list[float]:
        """For each word: the sum over `contexts` of its -log2 P (a naming candidate at
        each of its positions, the quick first pass). The contexts are looked up once for
        all words, each word's unigram once for all contexts. The arithmetic differs from
        logprob's in the last bits (the unigram's two terms are added first): a ranking,
        its values are compared with each other only."""
        cg, og, skip = self._lookups(overlay)
        followers = self.followers
        total = max(1.0, self.total + sum(extra.get((), 0) for extra in overlay))
        p_new = min(0.5, DISCOUNT * max(1, followers.get((), 1)) / total)
        unigrams: list[tuple[float, float]] = []  # (count, p) of each word
        for word in words:
            if word == -1:
                unigrams.append((0.0, p_new))
                continue
            gram: Gram = (word,)
            c: float = cg(gram, 0) + og(gram, 0)
            d = c - DISCOUNT
            unigrams.append((c, ((d if d > 0 else 0) + DISCOUNT) / total))
        log2 = math.log2
        totals = [0.0] * len(words)
        for context in contexts:
            context = _after_new(context)
            levels: list[tuple[Gram, float, float]] = []
            for n in range(1, min(len(context), self.order - 1) + 1):
                ctx = context[len(context) - n :]
                seen: float = cg(ctx, 0) + og(ctx, 0)
                if seen <= 0:
                    break
                levels.append((ctx, seen, DISCOUNT * followers.get(ctx, 1) / seen))
            for i, word in enumerate(words):
                c, p = unigrams[i]
                if word == -1:
                    for _, _, escape in levels:
                        p *= escape
                else:
                    for ctx, seen, escape in levels:
                        if c > 0 or not skip:  # else the longer n-grams count 0 too
                            gram = (*ctx, word)
                            c = cg(gram, 0) + og(gram, 0)
                            d = c - DISCOUNT
                            p = (d if d > 0 else 0) / seen + escape * p
                        else:  # a count of 0: the first term is 0.0, and 0.0 + x is x
                            p = escape * p
                totals[i] -= log2(p if p > 1e-12 else 1e-12)
        return totals

    def cross_entropy(self, ids: Sequence[int], positions: Iterable[int], overlay: Overlay = ()) -> float:
        """Mean -log2 P over the tokens at `positions` of `ids`."""
        n = self.order - 1
        tokens = self.total + sum(extra.get((), 0) for extra in overlay)
        total, count = 0.0, 0
        for j in positions:
            total -= self.logprob(tuple(ids[max(0, j - n) : j]), ids[j], overlay, tokens)
            count += 1
        return total / count if count else 0.0

    def cross_entropy_shared(
        self, ids: Sequence[int], positions: Sequence[int], overlay: Overlay, names: Sequence[int], memo: Memo
    ) -> float | None:
        """cross_entropy(ids, positions, overlay) for one of several words tried at the
        token positions `names` (a naming candidate), sharing with the other tries what
        does not depend on the word: at a position m tokens after the nearest name, the
        unigram and the first m-1 context levels see none of the names. `memo` keeps
        those per position; it is only valid for the same ids (outside `names`), names
        and overlay. The same additions in the same order as cross_entropy, so the same
        value. None: shortcuts are off (use cross_entropy)."""
        if not self.shortcuts:
            return None
        cg, og, skip = self._lookups(overlay)
        order = self.order
        n = order - 1
        tokens = self.total + sum(extra.get((), 0) for extra in overlay)
        levels, log2 = self._levels, math.log2
        total, count = 0.0, 0
        for j in positions:
            word = ids[j]
            state = memo.get(j)
            if state is None:
                m = min((j - q for q in names if q <= j), default=order)
                if m == 0 or m >= order:  # the word itself, or nothing of it in reach
                    state = memo[j] = (m, 0.0, False, False)
                else:
                    p, word_seen = self._unigram(word, tokens, cg, og, skip)
                    # levels below m never reach a -1 (only names can be -1)
                    context = tuple(ids[max(0, j - n) : j])
                    state = memo[j] = (m, *levels(context, word, p, word_seen, 1, m - 1, cg, og, skip))
            m, p, word_seen, stopped = state
            if m == 0 or m >= order:
                p, word_seen = self._unigram(word, tokens, cg, og, skip)
                context = _after_new(tuple(ids[max(0, j - n) : j]))
                p = levels(context, word, p, word_seen, 1, min(len(context), n), cg, og, skip)[0]
            elif not stopped:
                context = tuple(ids[max(0, j - n) : j])
                if -1 in context:
                    context = _after_new(context)
                if len(context) >= m:  # else no level is left
                    p = levels(context, word, p, word_seen, m, min(len(context), n), cg, og, skip)[0]
            total -= log2(p if p > 1e-12 else 1e-12)
            count += 1
        return total / count if count else 0.0


def _after_new(context: Gram) -> Gram:
    """The context after its last -1 (a new word: nothing is known of what follows it)."""
    if -1 in context:
        return context[len(context) - context[::-1].index(-1) :]
    return context


def _bits(p: float) -> float:
    return math.log2(p if p > 1e-12 else 1e-12)


_Get = Callable[[Gram, int], float]
Memo = dict[int, tuple[int, float, bool, bool]]  # position -> (m, shared state)
_EMPTY: dict[Gram, float] = {}


def _bump(index: dict[Gram, Counter[int]], key: Gram, word: int, c: int) -> None:
    bucket = index.get(key)
    if bucket is None:
        if c <= 0:
            return
        bucket = index[key] = Counter()
    new = bucket[word] + c
    if new > 0:
        bucket[word] = new
    else:
        del bucket[word]
        if not bucket:
            del index[key]
