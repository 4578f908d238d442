"""What the style model knows about one workspace, in memory.

A WorkspaceModel is the n-gram model plus, per file, the token ids, the names it binds
(by kind) and its convention statistics, so that a file can be subtracted exactly when it
changes or when it must not vouch for itself. Writers (training, per-save updates) and
readers (the analyzer on the event loop) share it under `lock`; every write is a short
in-memory delta, the slow parsing happens before the lock is taken.
"""

from __future__ import annotations

import io
import pickle
import threading
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from codie.analyzers.style import conventions, scopes
from codie.analyzers.style.conventions import tally
from codie.analyzers.style.ngram import EMPTY, TOP, Gram, NgramModel, count_into, grams
from codie.analyzers.style.scopes import CLASS, FUNCTION, METHOD, PARAMETER, VARIABLE, ScopeTree
from codie.analyzers.style.tokens import TokenStream, tokenize
from codie.core.document import parse, parse_pausing
from codie.core.pausing import Pause, every

T = TypeVar("T")

# Names are suggested from the names the project binds for the same kind of thing.
KIND_GROUP = {VARIABLE: "variable", PARAMETER: "variable", FUNCTION: "function", METHOD: "function", CLASS: "class"}
# Margins (bits of mean cross-entropy) until the workspace has taught us its own: between
# the floors and what the standard library learns (2.8-3.8 bits).
DEFAULT_MARGIN = {"variable": 2.0, "function": 2.0, "class": 2.0}


@dataclass
class FileFacts:
    """Everything the model learns from one file: pure data, computed off the lock."""

    tokens: list[str]
    names: list[tuple[str, str]]  # (kind group, name) of every binding
    stats: dict[str, Counter[str]]
    stream: TokenStream | None = None
    scopes: ScopeTree | None = None  # (its nodes keep the file's syntax tree alive)
    # the convention observations tallied into `stats`, when extract was asked to keep them
    observations: list[conventions.Observation] | None = None

    def release(self) -> None:
        """Let go of the stream and the scope tree, and break the tree's reference cycles
        (a scope holds its bindings, each binding its scope): the file's syntax tree,
        tokens and bindings are freed now, when the caller drops the facts, not at the
        next cyclic collection (a training of many files piled them up until then). For
        the facts' owner, once the model has counted them (the model keeps names and
        stats only)."""
        if self.scopes is not None:
            for scope in self.scopes.scopes:
                scope.bindings.clear()
            self.scopes.forget_visible()
        self.scopes = self.stream = None
        self.observations = None


def extract(
    source: bytes, *, tallies: bool = True, observations: bool = False, pause: Pause | None = None
) -> FileFacts:
    """What the model learns from `source`; without `tallies`, the stream and scopes only
    (what scoring its names needs: learn_margins parsing a sampled file again); with
    `observations`, the convention observations kept as a list beside their tally (a
    headless check hands them to the file's analysis: see KeptFacts). `pause()` is called
    every ~1 ms of the work (a background training's, see pausing.Pause)."""
    tree = parse(source) if pause is None else parse_pausing(source, pause)
    root = tree.root_node
    stream = tokenize(source, root, pause)
    scope_tree = scopes.build(source, root, pause)
    if not tallies:
        return FileFacts(stream.tokens, [], {}, stream, scope_tree)
    names = [(KIND_GROUP[b.kind], b.name) for b in scope_tree.bindings() if b.kind in KIND_GROUP]
    # the observations are tallied as they come: the model keeps the counts only
    observed = conventions.observations(source, root, scope_tree, pause)
    if not observations:
        return FileFacts(stream.tokens, names, tally(observed, pause), stream, scope_tree)
    kept = list(observed)
    return FileFacts(stream.tokens, names, tally(kept, pause), stream, scope_tree, kept)


@dataclass
class KeptFacts:
    """What a headless check's training computed of one file and the file's analysis
    needs again: its token stream, scope tree and convention observations, for the
    source bytes they were computed from (the analysis takes them only for the same
    bytes: then they are what it would compute, the same parse of the same bytes).
    Holds the file's syntax tree (the scope tree's nodes): ~45 times the source."""

    source: bytes
    stream: TokenStream
    scopes: ScopeTree
    observations: list[conventions.Observation]

    def release(self) -> None:
        """Break the scope tree's reference cycles (see FileFacts.release)."""
        for scope in self.scopes.scopes:
            scope.bindings.clear()
        self.scopes.forget_visible()


@dataclass
class FileEntry:
    ids: list[int]
    names: list[tuple[str, str]]
    stats: dict[str, Counter[str]]


class WorkspaceModel:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root
        self.lm = NgramModel()
        self.files: dict[str, FileEntry] = {}
        self.kind_names: dict[str, Counter[str]] = {}
        self.stats: dict[str, Counter[str]] = {}
        self.margins: dict[str, float] = dict(DEFAULT_MARGIN)
        self.generation = 0
        self.lock = threading.RLock()
        self._exclusions: dict[str, tuple[int, dict[Gram, int]]] = {}
        self._own_words: dict[str, tuple[int, Counter[int]]] = {}

    @property
    def tokens_seen(self) -> int:
        return self.lm.total

    def compact(self, pause: Pause | None = None) -> None:
        """The same model, its objects made again in freed memory (the language server,
        after a training, before it shares the model). A training counts into tables while
        it parses: the model's hundred thousand small objects (packed keys, buckets) end
        up spread over the memory the files' trees and tokens took, which the allocator
        cannot hand back while one object of a block lives (the 6,862-line file: a 9.5 MiB
        model held 30 MiB of RSS). Pickled, all dropped at once, then loaded, they fill few
        blocks and the others empty (table by table did not: each reloaded table refilled
        the blocks the other tables kept). The caches are dropped (rebuilt on demand); the
        files' token ids come back as the vocabulary's own ints (pickle shares no ints).

        `pause()` (a background training's, see pausing.Pause): called between the
        tables as they are pickled and loaded, and every PAUSE_EVERY items of a table
        pickled. The same objects, made in the same order, from one pickler's stream of
        parts (one memo: what the tables share stays shared), all dropped at once in
        between as without it; loading the n-gram table alone still holds the GIL ~16 ms
        (the 6,862-line file's: C, no pause fits inside)."""
        with self.lock:
            lock = self.lock
            self.lm._around.clear()
            self._exclusions.clear()
            self._own_words.clear()
            files = {path: (array("l", e.ids), e.names, e.stats) for path, e in self.files.items()}
            state = {k: v for k, v in vars(self).items() if k not in ("lock", "files")}
            if pause is None:
                blob = _pickled((state, files))
                del state, files
                vars(self).clear()  # every old object goes now: nothing else holds them
                state, files = pickle.loads(blob)
                del blob
            else:
                # (the state's keys too: pickle makes them new strings, as it does above)
                keys = list(state)
                lm_keys = list(vars(self.lm))  # (pickle interns an object's attribute names)
                parts = [keys, *vars(self.lm).values(), *(state[k] for k in keys if k != "lm"), files]
                blob = _pickled_parts(parts, pause)
                del state, files, parts
                vars(self).clear()  # as above
                loaded = _loaded_parts(blob, 1 + len(lm_keys) + len(keys), pause)
                del blob
                lm = NgramModel.__new__(NgramModel)  # as pickle makes it: no __init__
                vars(lm).update(zip(lm_keys, loaded[1:], strict=False))
                rest = iter(loaded[1 + len(lm_keys) :])
                state = {k: lm if k == "lm" else next(rest) for k in loaded[0]}
                files = next(rest)
                del loaded, rest, lm
            vars(self).update(state)
            canon = list(self.lm.vocab.ids.values())  # ids are given in order: canon[i] == i
            self.files = {
                path: FileEntry([canon[i] for i in ids], names, stats) for path, (ids, names, stats) in files.items()
            }
            self.lock = lock

    def add(self, path: str, facts: FileFacts) -> tuple[Counter[Gram] | None, Counter[Gram]]:
        """Replace `path`'s contribution with `facts`; return (old grams, new grams)."""
        with self.lock:
            old = self.remove(path)
            ids = self.lm.vocab.encode(facts.tokens)
            self.lm.name_ids.update(self.lm.vocab.name_ids_in(ids))
            new = grams(ids, self.lm.order)
            self.lm.apply(new)
            self.files[path] = FileEntry(ids, facts.names, facts.stats)
            _merge(self.kind_names, _name_counts(facts.names), 1)
            _merge(self.stats, facts.stats, 1)
            self.generation += 1
            return old, new

    def train(self, files: Iterator[tuple[str, FileFacts]], pause: Pause | None = None) -> None:
        """add() every file of `files`, consumed one at a time (each file's facts can go
        once it is counted): the n-grams of the whole batch are counted in C into one
        Counter and applied once (NgramModel.add_counts), the same model as one add()
        per file. A path seen twice is replaced as add() replaces it. `pause()` is called
        every ~1 ms of the counting (a background training's, see pausing.Pause)."""
        with self.lock:
            lm = self.lm
            batch: Counter[Gram] = Counter()
            tokens = 0
            for path, facts in files:
                if path in self.files:  # replaced: what came before it goes in first
                    batch[EMPTY] = tokens
                    lm.add_counts(batch)
                    batch, tokens = Counter(), 0
                    self.add(path, facts)
                    continue
                ids = lm.vocab.encode(facts.tokens)
                lm.name_ids.update(lm.vocab.name_ids_in(ids))
                count_into(batch, ids, lm.order, pause)
                tokens += len(ids)
                self.files[path] = FileEntry(ids, facts.names, facts.stats)
                _merge(self.kind_names, _name_counts(facts.names), 1)
                _merge(self.stats, facts.stats, 1)
                self.generation += 1
            batch[EMPTY] = tokens
            lm.add_counts(batch, pause)

    def remove(self, path: str) -> Counter[Gram] | None:
        with self.lock:
            entry = self.files.pop(path, None)
            if entry is None:
                return None
            old = grams(entry.ids, self.lm.order)
            self.lm.apply(old, -1)
            _merge(self.kind_names, _name_counts(entry.names), -1)
            _merge(self.stats, entry.stats, -1)
            self._exclusions.pop(path, None)
            self._own_words.pop(path, None)
            self.generation += 1
            return old

    def exclusion(self, path: str | None) -> dict[Gram, int] | None:
        """The n-grams `path` contributed, negated: an overlay that scores it as unseen."""
        if path is None:
            return None
        return self._per_file(self._exclusions, path, lambda e: _negated(grams(e.ids, self.lm.order)))

    def kind_names_without(self, path: str | None, group: str) -> Counter[str]:
        """How often the project binds each name for this kind, leaving `path` out."""
        names = Counter(self.kind_names.get(group, Counter()))
        entry = self.files.get(path) if path is not None else None
        if entry is not None:
            names.subtract(n for g, n in entry.names if g == group)
        return +names

    def used_elsewhere(self, name: str, path: str | None) -> bool:
        """Whether a file other than `path` mentions `name` (so it may import or call it)."""
        word = self.lm.vocab.ids.get(name)
        if word is None:
            return False
        with self.lock:
            total = self.lm.counts.get(TOP[1] | word, 0)
            own = self.own_words(path)
        return total - (own[word] if own is not None else 0) > 0

    def own_words(self, path: str | None) -> Counter[int] | None:
        """How often each word occurs in `path` as the model holds it (cached): the unigram
        counts of exclusion(path), negated, without building every n-gram of the file (a
        headless check asks this of every file, and scores none of them with an overlay)."""
        if path is None:
            return None
        return self._per_file(self._own_words, path, lambda e: Counter(e.ids))

    def _per_file(self, cache: dict[str, tuple[int, T]], path: str, build: Callable[[FileEntry], T]) -> T | None:
        """build(path's entry), kept in cache for the model's generation (at most 33 files)."""
        with self.lock:
            entry = self.files.get(path)
            if entry is None:
                return None
            cached = cache.get(path)
            if cached is not None and cached[0] == self.generation:
                return cached[1]
            value = build(entry)
            if len(cache) > 32:
                cache.clear()
            cache[path] = (self.generation, value)
            return value

    def stats_without(self, path: str | None) -> dict[str, Counter[str]]:
        entry = self.files.get(path) if path is not None else None
        if entry is None:
            return self.stats
        out = {k: Counter(v) for k, v in self.stats.items()}
        _merge(out, entry.stats, -1)
        return out


class _Pickler(pickle.Pickler):
    """Pickles a Counter item by item: Counter's own reduce pickles a dict copy of it (the
    n-gram and followers tables: ~20 MiB more for a 4 MB workspace's model)."""

    def reducer_override(self, obj: object) -> Any:
        if isinstance(obj, Counter) and type(obj) is Counter:
            return Counter, (), None, None, iter(obj.items())
        return NotImplemented


def _pickled(obj: object) -> bytes:
    out = io.BytesIO()
    _Pickler(out, pickle.HIGHEST_PROTOCOL).dump(obj)
    return out.getvalue()


PAUSE_EVERY = 4096  # a table's items pickled between two pause() calls (compact)


class _PausingPickler(_Pickler):
    """_Pickler that calls pause() every PAUSE_EVERY items of a Counter it pickles."""

    def __init__(self, out: io.BytesIO, pause: Pause) -> None:
        super().__init__(out, pickle.HIGHEST_PROTOCOL)
        self.pause = pause

    def reducer_override(self, obj: object) -> Any:
        if isinstance(obj, Counter) and type(obj) is Counter:
            return Counter, (), None, None, iter(every(obj.items(), self.pause, PAUSE_EVERY))
        return NotImplemented


def _pickled_parts(parts: list[object], pause: Pause) -> bytes:
    """The parts pickled one after the other by one pickler (its memo shared)."""
    out = io.BytesIO()
    pickler = _PausingPickler(out, pause)
    for part in parts:
        pause()
        pickler.dump(part)
    return out.getvalue()


def _loaded_parts(blob: bytes, count: int, pause: Pause) -> list[Any]:
    unpickler = pickle.Unpickler(io.BytesIO(blob))
    loaded = []
    for _ in range(count):
        pause()
        loaded.append(unpickler.load())
    return loaded


def _negated(counts: Counter[Gram]) -> Counter[Gram]:
    """counts with every count negated, in place: one table of the file's n-grams at a
    time, not a second one beside it (~4 MiB each for a 6,862-line file)."""
    for gram, c in counts.items():
        counts[gram] = -c  # (an existing key: the table neither grows nor reorders)
    return counts


def _name_counts(names: Iterable[tuple[str, str]]) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for group, name in names:
        out.setdefault(group, Counter())[name] += 1
    return out


def _merge(into: dict[str, Counter[str]], other: dict[str, Counter[str]], sign: int) -> None:
    for key, counts in other.items():
        target = into.setdefault(key, Counter())
        for value, n in counts.items():
            new = target[value] + sign * n
            if new > 0:
                target[value] = new
            else:
                del target[value]
