"""An n-gram language model over style tokens, with interpolated absolute discounting.

Counts are kept for every order 1..N in one dict keyed by packed n-grams: the token ids of
an n-gram in one int, BITS bits each, behind a leading 1 bit that gives its length (see
`pack`). An int key is a third to a half the size of a tuple of ints, is not tracked by
the cyclic GC, hashes in one step, and a context's key gives its suffixes and its
extensions by a mask and a shift, without building tuples in the scoring loops.
Files are added and removed as count deltas, which is what makes per-save updates cheap and
what leave-one-file-out evaluation uses. Overlays let a caller score one file as if the
model had never seen it (a file must not vouch for its own names) and add the open
document's own n-grams (a cache model: code is locally repetitive).
"""

from __future__ import annotations

import keyword
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import repeat
from operator import rshift
from typing import ClassVar

from codie.core.pausing import Pause, every

ORDER = 5
DISCOUNT = 0.75

# A token id takes BITS bits of a packed n-gram. The model's ids are 0.. (the vocabulary);
# a scorer's ids can be negative (-1: a new name, -2, -3, ...: words only the open
# document has), which pack as their low BITS bits (two's complement: from the top of the
# range down). The vocabulary stops below the half-way mark so the two never meet.
BITS = 24
MASK = (1 << BITS) - 1
MAX_WORDS = 1 << (BITS - 1)
EMPTY = 1  # the key of the empty n-gram: a document's token count in a grams() delta
TOP = tuple(1 << (n * BITS) for n in range(ORDER + 2))  # TOP[n]: the length mark of n tokens
LOW = tuple(t - 1 for t in TOP)  # LOW[n]: the bits of the last n tokens

Gram = int  # a packed n-gram (see pack)
Overlay = Sequence[Mapping[Gram, float]]


def pack(ids: Iterable[int]) -> Gram:
    """The key of the n-gram `ids`: 1, then each id's low BITS bits, first to last."""
    key = 1
    for w in ids:
        key = (key << BITS) | (w & MASK)
    return key


def unpack(key: Gram) -> tuple[int, ...]:
    """The ids of a packed n-gram (negative ids come back negative)."""
    out: list[int] = []
    while key > 1:
        code = key & MASK
        out.append(code - (1 << BITS) if code >= MAX_WORDS else code)
        key >>= BITS
    return tuple(reversed(out))


def order_of(key: Gram) -> int:
    return (key.bit_length() - 1) // BITS


def grams(ids: Sequence[int], order: int = ORDER) -> Counter[Gram]:
    """Every n-gram of orders 1..order in `ids`, packed; key EMPTY holds the number of
    tokens. Order by order, each in the order of the windows (the names index and the
    store see the same order of first appearances as before the keys were packed)."""
    counts: Counter[Gram] = Counter()
    count_into(counts, ids, order)
    counts[EMPTY] = len(ids)
    return counts


PAUSE_EVERY = 4096  # keys counted in C between two pause() calls (~1 ms)


def count_into(counts: Counter[Gram], ids: Sequence[int], order: int = ORDER, pause: Pause | None = None) -> None:
    """Add the packed n-grams of orders 1..order in `ids` to `counts` (counted in C);
    `pause()` is called every PAUSE_EVERY keys (a background training's, pausing.Pause)."""
    codes = [w & MASK for w in ids]
    level = [TOP[1] | c for c in codes]
    _update(counts, level, pause)
    for n in range(2, order + 1):
        # the window of n tokens at i: the one of n-1 tokens at i, then token i+n-1
        level = [(k << BITS) | c for k, c in zip(level, codes[n - 1 :], strict=False)]
        _update(counts, level, pause)


def _update(counts: Counter[int], keys: list[int], pause: Pause | None) -> None:
    """counts.update(keys), in slices with pause() between them: C holds the GIL for the
    whole of one update (~10 ms for a level of the 6,862-line file). Slices in order: the
    same counts, the same order of first appearance."""
    if pause is None:
        counts.update(keys)
        return
    for start in range(0, len(keys), PAUSE_EVERY):
        pause()
        counts.update(keys[start : start + PAUSE_EVERY])


def is_name(word: str) -> bool:
    return word.isidentifier() and not keyword.iskeyword(word)


class Vocabulary:
    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.words: list[str] = []

    def id(self, word: str) -> int:
        found = self.ids.get(word)
        if found is None:
            found = self._new(word)
        return found

    def _new(self, word: str) -> int:
        if len(self.words) >= MAX_WORDS:  # ~8M distinct tokens: past what the keys hold
            raise ValueError(f"the style model's vocabulary is full ({MAX_WORDS:,} distinct tokens)")
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
        get, new = self.ids.get, self._new
        out = []
        for w in words:
            i = get(w)
            if i is None:
                i = new(w)
            out.append(i)
        return out


class NgramModel:
    """Counts of all orders, updated by deltas; the probability of a token in context."""

    shortcuts: ClassVar[bool] = True  # the scoring short cuts (off: the tests' reference)

    def __init__(self, order: int = ORDER) -> None:
        if not 1 <= order <= ORDER:
            raise ValueError(f"n-gram order {order} is outside 1..{ORDER}")
        self.order = order
        self.vocab = Vocabulary()
        self.counts: dict[Gram, int] = {}
        self.total = 0  # number of unigram tokens
        # names that followed a two-token context / preceded one (packed): the candidate index
        self.names_after: dict[Gram, Counter[int]] = {}
        self.names_before: dict[Gram, Counter[int]] = {}
        self.name_ids: set[int] = set()
        # distinct words seen after each context (key EMPTY = the vocabulary in use): how
        # likely a context is to be followed by something new (Witten-Bell)
        self.followers: dict[Gram, int] = {}
        self._around: dict[tuple[str, Gram], list[tuple[int, int]]] = {}

    def apply(self, delta: Mapping[Gram, int], sign: int = 1) -> None:
        """Add (sign=1) or remove (sign=-1) a file's n-gram counts."""
        counts, names, followers = self.counts, self.name_ids, self.followers
        self._around.clear()
        two, three, four = TOP[2], TOP[3], TOP[4]
        last_two = LOW[2]
        total = self.total
        for gram, c in delta.items():
            if gram == EMPTY:
                continue
            c *= sign
            before = counts.get(gram, 0)
            new = before + c
            if new > 0:
                counts[gram] = new
            else:
                counts.pop(gram, None)
            if (before > 0) != (new > 0):
                ctx = gram >> BITS
                left = followers.get(ctx, 0) + (1 if new > 0 else -1)
                if left > 0:
                    followers[ctx] = left
                else:
                    followers.pop(ctx, None)
            if gram < two:  # a unigram
                total += c
            elif three <= gram < four:  # a trigram (a b c): c after (a b), a before (b c)
                if gram & MASK in names:
                    _bump(self.names_after, gram >> BITS, gram & MASK, c)
                first = (gram >> (2 * BITS)) & MASK
                if first in names:
                    _bump(self.names_before, (gram & last_two) | two, first, c)
        self.total = total

    def add_counts(self, delta: Counter[Gram], pause: Pause | None = None) -> None:
        """apply(delta) for a delta of positive counts only (a batch of files, summed; key
        EMPTY, if there, their number of tokens);
        the same model as applying the files one by one: the same sums, and every index
        sees its keys in the same order of first appearance. Into an empty model the
        delta itself becomes the counts (no second copy), the followers are counted in C
        and only the trigrams are walked (the names index). `pause()`: see count_into."""
        if self.counts:
            self.apply(delta)
            return
        tokens = delta.pop(EMPTY, None)
        self._around.clear()
        self.counts = delta
        self.total = tokens if tokens is not None else sum(c for g, c in delta.items() if g < TOP[2])
        # a context's followers: the distinct n-grams one token longer (each counted > 0)
        if pause is None:
            self.followers = Counter(map(rshift, delta, repeat(BITS)))
        else:
            self.followers = Counter()
            _update(self.followers, list(map(rshift, delta, repeat(BITS))), pause)
        names, three, four, two, last_two = self.name_ids, TOP[3], TOP[4], TOP[2], LOW[2]
        after, before = self.names_after, self.names_before
        for gram, c in every(delta.items(), pause, PAUSE_EVERY):
            if three <= gram < four:
                if gram & MASK in names:
                    _bump(after, gram >> BITS, gram & MASK, c)
                first = (gram >> (2 * BITS)) & MASK
                if first in names:
                    _bump(before, (gram & last_two) | two, first, c)

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

    def logprob(self, context: Sequence[int], word: int, overlay: Overlay = (), total: float | None = None) -> float:
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
            total = self.total + sum(extra.get(EMPTY, 0) for extra in overlay)
        cg, og, skip = self._lookups(overlay)
        p, word_seen = self._unigram(word, total, cg, og, skip)
        context = _after_new(context)
        last = min(len(context), self.order - 1)
        return _bits(self._levels(pack(context), word, p, word_seen, 1, last, cg, og, skip)[0])

    def _unigram(self, word: int, total: float, cg: _Get, og: _Get, skip: bool) -> tuple[float, bool]:
        """The interpolation's first level: (p, whether the word's unigram was seen)."""
        if word == -1:  # the class of all new words: the unigram level's escape mass
            return min(0.5, DISCOUNT * max(1, self.followers.get(EMPTY, 1)) / max(total, 1)), False
        gram = TOP[1] | (word & MASK)
        c: float = cg(gram, 0) + og(gram, 0)
        d = c - DISCOUNT
        return (d if d > 0 else 0) / max(total, 1) + DISCOUNT / max(total, 1), c > 0 or not skip

    def _levels(
        self, context: Gram, word: int, p: float, word_seen: bool, first: int, last: int, cg: _Get, og: _Get, skip: bool
    ) -> tuple[float, bool, bool]:
        """The back-off loop, in one place: levels first..last (the suffixes of that many
        tokens of the packed `context`) on top of p, the level below. Returns (p,
        word_seen, stopped at an unseen context). `word_seen`: whether the word's n-gram
        at the last level had a positive count. Counts are whole numbers and an n-gram
        never counts more than its shorter suffix (the model, the document and the
        overlays are all sets of whole token windows), so once one is 0 the longer ones
        are too: with `skip` their lookups are left out (the same result)."""
        followers = self.followers
        code = word & MASK
        for n in range(first, last + 1):
            ctx = (context & LOW[n]) | TOP[n]
            seen: float = cg(ctx, 0) + og(ctx, 0)
            if seen <= 0:
                return p, word_seen, True
            distinct = followers.get(ctx, 1)
            if word_seen:
                gram = (ctx << BITS) | code
                c: float = cg(gram, 0) + og(gram, 0)
                word_seen = c > 0 or not skip
                d = c - DISCOUNT
                p = (d if d > 0 else 0) / seen + DISCOUNT * distinct / seen * p
            else:  # a count of 0: the first term is 0.0, and 0.0 + x is x
                p = DISCOUNT * distinct / seen * p
        return p, word_seen, False

    def logprobs(self, context: Sequence[int], words: Sequence[int], overlay: Overlay = ()) -> list[float]:
        """logprob(context, w) for many words at once: the context is looked up once."""
        return [-bits for bits in self.bits_at([context], words, overlay)]

    def bits_at(self, contexts: Sequence[Sequence[int]], words: Sequence[int], overlay: Overlay = ()) -> list[float]:
        """For each word: the sum over `contexts` of its -log2 P (a naming candidate at
        each of its positions, the quick first pass). The contexts are looked up once for
        all words, each word's unigram once for all contexts. The arithmetic differs from
        logprob's in the last bits (the unigram's two terms are added first): a ranking,
        its values are compared with each other only."""
        cg, og, skip = self._lookups(overlay)
        followers = self.followers
        total = max(1.0, self.total + sum(extra.get(EMPTY, 0) for extra in overlay))
        p_new = min(0.5, DISCOUNT * max(1, followers.get(EMPTY, 1)) / total)
        unigrams: list[tuple[float, float]] = []  # (count, p) of each word
        codes = [w & MASK for w in words]
        for word, code in zip(words, codes, strict=True):
            if word == -1:
                unigrams.append((0.0, p_new))
                continue
            gram = TOP[1] | code
            c: float = cg(gram, 0) + og(gram, 0)
            d = c - DISCOUNT
            unigrams.append((c, ((d if d > 0 else 0) + DISCOUNT) / total))
        log2 = math.log2
        totals = [0.0] * len(words)
        for context in contexts:
            context = _after_new(context)
            key = pack(context)
            levels: list[tuple[Gram, float, float]] = []  # (the context << BITS, count, escape)
            for n in range(1, min(len(context), self.order - 1) + 1):
                ctx = (key & LOW[n]) | TOP[n]
                seen: float = cg(ctx, 0) + og(ctx, 0)
                if seen <= 0:
                    break
                levels.append((ctx << BITS, seen, DISCOUNT * followers.get(ctx, 1) / seen))
            for i, word in enumerate(words):
                c, p = unigrams[i]
                if word == -1:
                    for _, _, escape in levels:
                        p *= escape
                else:
                    code = codes[i]
                    for base, seen, escape in levels:
                        if c > 0 or not skip:  # else the longer n-grams count 0 too
                            gram = base | code
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
        tokens = self.total + sum(extra.get(EMPTY, 0) for extra in overlay)
        total, count = 0.0, 0
        for j in positions:
            total -= self.logprob(ids[max(0, j - n) : j], ids[j], overlay, tokens)
            count += 1
        return total / count if count else 0.0

    def _context_levels(self, ids: Sequence[int], j: int, names: Sequence[int], cg: _Get, og: _Get) -> Levels | None:
        """The context levels before position j, as _levels walks them: (the context <<
        BITS, its count, its escape DISCOUNT * distinct / seen, the same value _levels
        multiplies by), up to the first unseen one. None when a name (other than j) or a
        -1 is in the context: it changes with the word tried."""
        n = self.order - 1
        start = max(0, j - n)
        if any(start <= q < j for q in names):
            return None
        before = ids[start:j]
        if -1 in before:
            return None
        key, followers = pack(before), self.followers
        out: Levels = []
        for k in range(1, len(before) + 1):
            ctx = (key & LOW[k]) | TOP[k]
            seen: float = cg(ctx, 0) + og(ctx, 0)
            if seen <= 0:
                break
            out.append((ctx << BITS, seen, DISCOUNT * followers.get(ctx, 1) / seen))
        return out

    def cross_entropy_shared(
        self,
        ids: Sequence[int],
        positions: Sequence[int],
        overlay: Overlay,
        names: Sequence[int],
        memo: Memo,
        limit: float = math.inf,
    ) -> float | None:
        """cross_entropy(ids, positions, overlay) for one of several words tried at the
        token positions `names` (a naming candidate), sharing with the other tries what
        does not depend on the word: at a position m tokens after the nearest name, the
        unigram and the first m-1 context levels see none of the names. `memo` keeps
        those per position; it is only valid for the same ids (outside `names`), names
        and overlay. The same additions in the same order as cross_entropy, so the same
        value. None: shortcuts are off (use cross_entropy). inf: the bits summed so far
        passed `limit` (a caller that knows every term is >= 0 stops there: the mean is
        above limit / len(positions) whatever is left)."""
        if not self.shortcuts:
            return None
        cg, og, skip = self._lookups(overlay)
        order = self.order
        n = order - 1
        tokens = self.total + sum(extra.get(EMPTY, 0) for extra in overlay)
        levels, log2, followers = self._levels, math.log2, self.followers
        tried = ids[names[0]] if names else -1  # every name position holds the word tried
        code = tried & MASK
        total, count = 0.0, 0
        for j in positions:
            word = ids[j]
            state = memo.get(j)
            if state is None:
                state = memo[j] = self._shared_state(ids, j, names, tokens, cg, og, skip)
            m, p, word_seen, stopped, shared, base, mult = state
            if shared is not None:  # _levels on the context's levels looked up once
                p, word_seen = self._unigram(word, tokens, cg, og, skip)
                for ctx, seen, escape in shared:
                    if word_seen:
                        gram = ctx | (word & MASK)
                        c: float = cg(gram, 0) + og(gram, 0)
                        word_seen = c > 0 or not skip
                        d = c - DISCOUNT
                        p = (d if d > 0 else 0) / seen + escape * p
                    else:
                        p = escape * p
            elif m == 0 or m >= order:
                p, word_seen = self._unigram(word, tokens, cg, og, skip)
                before = _after_new(ids[max(0, j - n) : j])
                p = levels(pack(before), word, p, word_seen, 1, min(len(before), n), cg, og, skip)[0]
            elif stopped:
                pass
            elif mult and tried != -1:
                # _levels m..k, inline: the context is `base` with the word at the names
                # (no -1 in it: only the names can hold one), k its length
                context = base | code * mult
                wcode = word & MASK
                for k in range(m, min(j, n) + 1):
                    ctx = (context & LOW[k]) | TOP[k]
                    seen = cg(ctx, 0) + og(ctx, 0)
                    if seen <= 0:
                        break
                    distinct = followers.get(ctx, 1)
                    if word_seen:
                        gram = (ctx << BITS) | wcode
                        c = cg(gram, 0) + og(gram, 0)
                        word_seen = c > 0 or not skip
                        d = c - DISCOUNT
                        p = (d if d > 0 else 0) / seen + DISCOUNT * distinct / seen * p
                    else:  # a count of 0: the first term is 0.0, and 0.0 + x is x
                        p = DISCOUNT * distinct / seen * p
            else:  # the general case (a -1 outside the names, or the word tried is -1)
                before = ids[max(0, j - n) : j]
                if -1 in before:
                    before = _after_new(before)
                if len(before) >= m:  # else no level is left
                    p = levels(pack(before), word, p, word_seen, m, min(len(before), n), cg, og, skip)[0]
            total -= log2(p if p > 1e-12 else 1e-12)
            count += 1
            if total > limit:
                return math.inf
        return total / count if count else 0.0

    def _shared_state(
        self, ids: Sequence[int], j: int, names: Sequence[int], tokens: float, cg: _Get, og: _Get, skip: bool
    ) -> SharedState:
        """What cross_entropy_shared keeps of position j for every word tried: (m, the
        distance from the nearest name at or before j; p, word_seen, stopped after the
        levels below m; the name position's context levels when m is 0 and no name is in
        its context; the context packed with 0 at the names, and the multiplier that puts
        a word's code at all of them: base | code * mult is the context with the word)."""
        order, n = self.order, self.order - 1
        m = min((j - q for q in names if q <= j), default=order)
        if m == 0:  # the word itself: its context is shared when no name is in it
            shared = self._context_levels(ids, j, names, cg, og)
            return (m, 0.0, False, False, shared, 0, 0)
        if m >= order:  # nothing of the word in reach
            return (m, 0.0, False, False, None, 0, 0)
        start = max(0, j - n)
        base, mult = TOP[j - start], 0
        for t in range(start, j):
            shift = BITS * (j - 1 - t)
            if t in names:
                mult |= 1 << shift
            elif ids[t] == -1:  # a new word outside the names: the general case
                mult = 0
                break
            else:
                base |= (ids[t] & MASK) << shift
        word = ids[j]
        p, word_seen = self._unigram(word, tokens, cg, og, skip)
        # levels below m never reach a name, so never a -1 that only a name can hold
        p, word_seen, stopped = self._levels(
            pack(ids[start:j]) if not mult else base, word, p, word_seen, 1, m - 1, cg, og, skip
        )
        return (m, p, word_seen, stopped, None, base, mult)


def _after_new(context: Sequence[int]) -> Sequence[int]:
    """The context after its last -1 (a new word: nothing is known of what follows it)."""
    if -1 in context:
        return context[len(context) - context[::-1].index(-1) :]
    return context


def _bits(p: float) -> float:
    return math.log2(p if p > 1e-12 else 1e-12)


_Get = Callable[[Gram, int], float]
Levels = list[tuple[Gram, float, float]]  # (context << BITS, count, escape), shortest first
SharedState = tuple[int, float, bool, bool, Levels | None, Gram, int]
Memo = dict[int, SharedState]  # position -> what every word tried there shares
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
