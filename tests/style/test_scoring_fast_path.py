"""The naming scores' short cuts change no ranking: the n-gram model's (one overlay lookup
per n-gram, the lookups that must be 0 skipped, the levels shared between the words tried
for one name; NgramModel.shortcuts), the candidates sifted once per context
(Scorer._sift), and rank's early stop below the caller's bar."""

from __future__ import annotations

import math
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from codie.analyzers.style.model import KIND_GROUP, WorkspaceModel, extract
from codie.analyzers.style.naming import Ranked, Scorer
from codie.analyzers.style.ngram import EMPTY, TOP, Memo, NgramModel, grams, pack

STDLIB = Path(sysconfig.get_paths()["stdlib"])
TRAIN = ("argparse.py", "json/decoder.py", "json/encoder.py", "textwrap.py", "shlex.py", "csv.py")
SCORED = ("json/decoder.py", "shlex.py", "fnmatch.py")  # two of them trained on: excluded


def ranks(model: WorkspaceModel, name: str) -> list[Ranked | None]:
    path = STDLIB / name
    facts = extract(path.read_bytes())
    assert facts.scopes is not None and facts.stream is not None
    scorer = Scorer(model, facts.stream, path.as_posix())
    bindings = [b for b in facts.scopes.bindings() if b.kind in KIND_GROUP]
    return [
        scorer.rank(b, facts.scopes, hide=hide, gate=gate)
        for b in bindings
        for gate in (False, True)
        for hide in (False, True)
    ]


def trained() -> WorkspaceModel:
    files = [STDLIB / name for name in TRAIN if (STDLIB / name).is_file()]
    if len(files) < 4:
        pytest.skip("the standard library's sources are not installed")
    model = WorkspaceModel()
    for path in files:
        model.add(path.as_posix(), extract(path.read_bytes()))
    return model


def test_the_inline_path_ranks_every_name_as_the_plain_path(monkeypatch: pytest.MonkeyPatch) -> None:
    model = trained()
    fast = {name: ranks(model, name) for name in SCORED}
    monkeypatch.setattr(NgramModel, "shortcuts", False)
    monkeypatch.setattr(Scorer, "_sift", lambda self, known: None)  # the plain tally of candidates
    plain = {name: ranks(model, name) for name in SCORED}
    assert fast == plain
    scored = [r for found in fast.values() for r in found if r is not None]
    assert len(scored) > 50 and any(r.names for r in scored)


def test_the_bar_drops_only_names_that_could_not_be_suggested() -> None:
    model = trained()
    path = STDLIB / "shlex.py"
    facts = extract(path.read_bytes())
    assert facts.scopes is not None and facts.stream is not None
    scorer = Scorer(model, facts.stream, path.as_posix())
    cut = 0
    for binding in facts.scopes.bindings():
        if binding.kind not in KIND_GROUP:
            continue
        for bar in ((0.0, 0.0), (0.5, 0.5), (1.5, 1.5), (3.0, 0.0)):
            full = scorer.rank(binding, facts.scopes, gate=True)
            barred = scorer.rank(binding, facts.scopes, gate=True, bar=bar)
            if full is None or full.gap <= bar[0] or full.confidence < bar[1]:
                cut += barred is None and full is not None
                assert barred is None or barred == full
            else:
                assert barred == full  # a suggestion the caller would make: all of it
    assert cut > 10


def test_logprob_and_logprobs_take_the_same_values_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    lm = NgramModel(order=3)
    lm.apply(grams(lm.vocab.encode(["a", "b", "c", "a", "b", "d", "a", "b", "c", "e"]), 3))
    doc_ids = lm.vocab.encode(["a", "b", "e", "a", "b", "c"])
    # overlays as the scorer makes them: whole token windows, added or taken out
    doc = {g: float(c) for g, c in grams(doc_ids, 3).items()}
    own = {pack(g): -1.0 for g in [(4,), (1, 4), (4, 0), (0, 1, 4), (1, 4, 0), (4, 0, 1)]}
    own[EMPTY] = -1.0
    cases = [((0, 1), w, o) for w in (-1, 0, 1, 2, 3, 4, 9) for o in ((), (doc,), (doc, own))]
    fast = [(lm.logprob(c, w, o), lm.logprobs(c, [w, 2], o)) for c, w, o in cases]
    monkeypatch.setattr(NgramModel, "shortcuts", False)
    plain = [(lm.logprob(c, w, o), lm.logprobs(c, [w, 2], o)) for c, w, o in cases]
    assert fast == plain


def test_the_shared_levels_give_cross_entropy_for_every_word_tried() -> None:
    """Names next to each other (a context holding the word), the word -1 (a new name),
    a -1 outside the names and a word only the document knows: the memo's paths all give
    cross_entropy's value, word after word."""
    lm = NgramModel()
    lm.apply(
        grams(lm.vocab.encode(["a", "b", "c", "a", "b", "d", "a", "b", "c", "e", "a", "x", "b", "c", "d", "a", "b"]))
    )
    base = lm.vocab.encode(["a", "b", "c", "a", "b", "d", "e", "a", "b", "c"])
    doc = {g: float(c) for g, c in grams([*base, -2], lm.order).items()}
    for names, outside_new in (([2, 4], False), ([3, 8], False), ([1], True), ([0, 9], False)):
        ids = list(base)
        if outside_new:
            ids[6] = -1
        touched = sorted({j for p in names for j in range(p, min(p + lm.order, len(ids)))})
        for overlay in ((), (doc,)):
            memo: Memo = {}
            for word in (0, 1, 2, 4, -1, -2):
                for p in names:
                    ids[p] = word
                shared = lm.cross_entropy_shared(ids, touched, overlay, names, memo)
                assert shared == lm.cross_entropy(ids, touched, overlay), (names, word, overlay)


def test_word_ids_kept_between_names_rank_every_name_as_without(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scorer.word_id keeps the ids of the words tried for one name for the next names
    of the document (all but the judged name, whose unigram the name's overlay changes):
    the same rankings as looking every word up, with the document trained on (a headless
    check: no overlay of its own) and not (the editor: the document's own n-grams)."""
    model = trained()
    names = (*SCORED, "csv.py")  # csv.py: trained on as it is
    kept = {name: ranks(model, name) for name in names}
    monkeypatch.setattr(Scorer, "memoize", False)
    plain = {name: ranks(model, name) for name in names}
    assert kept == plain
    assert sum(r is not None and bool(r.names) for found in kept.values() for r in found) > 50


def test_a_scorer_follows_the_model_when_it_changes_between_names() -> None:
    """The kept word ids belong to one generation of the model: a file taken out between
    two names (the editor trains while it scores) leaves no stale id behind."""
    model = WorkspaceModel()
    model.add("a.py", extract(b"def f(rows):\n    for row in rows:\n        print(row)\n"))
    model.add("b.py", extract(b"def g(cells):\n    for cell in cells:\n        print(cell)\n"))
    facts = extract(b"def h(items):\n    for item in items:\n        print(item)\n")
    assert facts.scopes is not None and facts.stream is not None
    scorer = Scorer(model, facts.stream, None)
    binding = next(b for b in facts.scopes.bindings() if b.name == "item")
    with scorer.overlay_for(scorer.positions(binding)) as overlay:
        with scorer._judging(binding):
            assert scorer.word_id("cell", overlay) == model.lm.vocab.ids["cell"]
        model.remove("b.py")  # "cell" is nowhere now
        with scorer._judging(binding):
            assert scorer.word_id("cell", overlay) == -1
            assert scorer.word_id("row", overlay) == model.lm.vocab.ids["row"]


def reference_own_grams(ids: list[int], positions: list[int], order: int) -> dict[int, float]:
    """The overlay of one binding as the scorer made it before: every token window that
    holds a position, each once, packed slice by slice."""
    windows = {
        (s, n)
        for p in positions
        for n in range(1, order + 1)
        for s in range(max(0, p - n + 1), min(p, len(ids) - n) + 1)
    }
    own: dict[int, float] = {}
    for start, n in windows:
        gram = pack(ids[start : start + n])
        own[gram] = own.get(gram, 0.0) - 1.0
    own[EMPTY] = -float(len(positions))
    return own


def test_the_overlay_of_a_name_takes_out_the_windows_that_hold_it() -> None:
    model = trained()
    path = STDLIB / "json/decoder.py"
    facts = extract(path.read_bytes())
    assert facts.scopes is not None and facts.stream is not None
    scorer = Scorer(model, facts.stream, path.as_posix())
    checked = 0
    for binding in facts.scopes.bindings():
        positions = scorer.positions(binding)
        if positions:
            assert scorer._own_grams(positions) == reference_own_grams(scorer.ids, positions, model.lm.order)
            checked += 1
    assert checked > 50
    # the edges: positions at the first and last tokens, next to each other, one of them
    short = extract(b"x = y + x * 2")
    assert short.stream is not None
    scorer = Scorer(model, short.stream, None)
    last = len(scorer.ids) - 1
    for positions in ([0], [last], [0, 1, 2], [1, last - 1], [0, last], [2]):
        assert scorer._own_grams(positions) == reference_own_grams(scorer.ids, positions, model.lm.order)


def test_used_elsewhere_counts_the_other_files_only() -> None:
    """used_elsewhere reads the file's own unigram counts (not its whole negated n-gram
    overlay): the same answer as the model's counts with the file taken out."""
    model = trained()
    for path, entry in model.files.items():
        excluded = model.exclusion(path)
        assert excluded is not None
        for word in {model.lm.vocab.words[i] for i in entry.ids}:
            unigram = TOP[1] | model.lm.vocab.ids[word]
            expected = model.lm.counts.get(unigram, 0) + excluded.get(unigram, 0) > 0
            assert model.used_elsewhere(word, path) is expected, (path, word)
    some = next(iter(model.files))
    assert model.used_elsewhere("parse_args", "elsewhere.py")
    assert not model.used_elsewhere("never_seen_anywhere", some)
    model.remove(some)  # the file's counts go with it
    assert model.own_words(some) is None


def test_a_name_scoring_under_the_margin_is_dropped_before_its_candidates_scores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """rank under a bar returns None for a name whose own score is at most the margin,
    before scoring its candidates (Scorer._current_alone): the same results as without
    that short cut, for a file the model holds as it is (headless), a file it has never
    seen and a file it holds in an older version (the editor: no short cut there), and
    bars from none to past the learned margins."""
    model = trained()
    scores = 0

    def counted(self: Scorer, *args: Any, **kwargs: Any) -> float:
        nonlocal scores
        scores += 1
        value: float = original(self, *args, **kwargs)
        return value

    original = Scorer.score
    monkeypatch.setattr(Scorer, "score", counted)
    edited = (STDLIB / "textwrap.py").read_bytes().replace(b"width", b"columns")
    cases = [
        ("csv.py", (STDLIB / "csv.py").read_bytes()),  # trained on as it is
        ("fnmatch.py", (STDLIB / "fnmatch.py").read_bytes()),  # never seen
        ("textwrap.py", edited),  # trained on, then edited
    ]
    results: dict[bool, list[Ranked | None]] = {}
    calls: dict[bool, int] = {}
    for early in (True, False):
        monkeypatch.setattr(Scorer, "early_bar", early)
        scores = 0
        found: list[Ranked | None] = []
        for name, source in cases:
            facts = extract(source)
            assert facts.scopes is not None and facts.stream is not None
            scorer = Scorer(model, facts.stream, (STDLIB / name).as_posix())
            for binding in facts.scopes.bindings():
                if binding.kind in KIND_GROUP:
                    for bar in ((0.0, 0.0), (2.0, 1.5), (3.2, 1.5), (5.0, 1.5), (8.0, 0.0)):
                        found.append(scorer.rank(binding, facts.scopes, gate=True, bar=bar))
        results[early], calls[early] = found, scores
    assert results[True] == results[False]
    assert sum(r is not None for r in results[True]) > 10
    assert calls[True] < calls[False] * 0.9  # the short cut was taken, often


def new_name_cases(model: WorkspaceModel, name: str) -> tuple[int, int]:
    """For every name of `name` that _new_name_bound bounds: the gap of every candidate
    (the name scored with it as the proxy, minus its own score) is at most the bound.
    Returns (names bounded, candidates checked)."""
    path = STDLIB / name
    facts = extract(path.read_bytes())
    assert facts.scopes is not None and facts.stream is not None
    scorer = Scorer(model, facts.stream, path.as_posix())
    bounded = checked = 0
    for binding in facts.scopes.bindings():
        group = KIND_GROUP.get(binding.kind)
        positions = scorer.positions(binding)
        if group is None or not positions:
            continue
        with scorer.overlay_for(positions) as overlay, scorer._judging(binding):
            bound = scorer._new_name_bound(binding, positions, overlay)
            if bound is None:
                continue
            bounded += 1
            known = scorer.known_names(group, facts.scopes, binding)
            taken = facts.scopes.names_visible_in(binding.scope) - {binding.name}
            saved = [scorer.ids[p] for p in positions]
            for p in positions:
                scorer.ids[p] = -1
            try:  # (as rank seeks them: the name's occurrences unknown)
                names = scorer.candidates(binding, positions, known, taken)
            finally:
                for p, old in zip(positions, saved, strict=True):
                    scorer.ids[p] = old
            scorer._memo, scorer._touched = {}, None  # (as rank scores them)
            try:
                for word in names:
                    gap = scorer.score(positions, binding.name, overlay, word) - scorer.score(positions, word, overlay)
                    assert gap <= bound + 1e-12, (binding.name, word, gap, bound)
                    checked += 1
            finally:
                scorer._memo = None
    return bounded, checked


def test_no_candidate_beats_a_new_name_by_more_than_its_bound() -> None:
    """Scorer._new_name_bound, the whole candidate list of every name it bounds, in a file
    the model has seen (its own counts taken out) and in files it has not (added)."""
    model = trained()
    bounded = checked = 0
    for name in (*SCORED, "csv.py", "textwrap.py"):
        b, c = new_name_cases(model, name)
        bounded, checked = bounded + b, checked + c
    assert bounded > 30 and checked > 300


def barred_ranks(model: WorkspaceModel) -> list[Ranked | None]:
    """Every name of a few files ranked as the analyzer ranks it, under several bars."""
    found: list[Ranked | None] = []
    for name in (*SCORED, "csv.py"):
        path = STDLIB / name
        facts = extract(path.read_bytes())
        assert facts.scopes is not None and facts.stream is not None
        scorer = Scorer(model, facts.stream, path.as_posix())
        for binding in facts.scopes.bindings():
            if binding.kind in KIND_GROUP:
                for bar in ((0.5, 0.0), (2.0, 1.5), (3.2, 1.5), (5.0, 1.5)):
                    found.append(scorer.rank(binding, facts.scopes, gate=True, bar=bar))
    return found


def test_the_new_name_bound_drops_only_names_below_the_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    """rank under a bar returns what it returns without the new-name bound, and the bound
    does cut names short (counted: the candidate searches it spares)."""
    model = trained()
    searches = 0
    candidates = Scorer.candidates

    def counted(self: Scorer, *args: Any, **kwargs: Any) -> list[str]:
        nonlocal searches
        searches += 1
        return candidates(self, *args, **kwargs)

    monkeypatch.setattr(Scorer, "candidates", counted)
    bounded = barred_ranks(model)
    spared = searches
    monkeypatch.setattr(Scorer, "new_name_bar", False)
    searches = 0
    assert barred_ranks(model) == bounded
    assert sum(r is not None for r in bounded) > 20  # some names pass every bar
    assert spared < searches - 100


def test_capped_scores_drop_only_names_below_the_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    """rank under a bar returns what it returns scoring every candidate to the end, and
    the cap does stop scores short (counted: the scores that came back inf)."""
    model = trained()
    stopped = 0
    score = Scorer.score

    def counted(self: Scorer, *args: Any, **kwargs: Any) -> float:
        nonlocal stopped
        found = score(self, *args, **kwargs)
        stopped += found == math.inf
        return found

    monkeypatch.setattr(Scorer, "score", counted)
    capped = barred_ranks(model)
    assert stopped > 100
    monkeypatch.setattr(Scorer, "capped_scores", False)
    stopped = 0
    assert barred_ranks(model) == capped
    assert stopped == 0
    assert sum(r is not None for r in capped) > 20
