"""Training jobs: the whole workspace, or one saved file. Safe to run off the event loop.

`train_workspace(root)` and `update_file(path)` are the entry points the background worker
calls; they read the files, update the SQLite store and return a short summary. The LSP
server calls the same functions in its thread pool and keeps the resulting in-memory
model in `services["style"]` (see `StyleService`).
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from codie.analyzers.style import storage
from codie.analyzers.style.model import DEFAULT_MARGIN, KIND_GROUP, FileFacts, KeptFacts, WorkspaceModel, extract
from codie.analyzers.style.naming import MARGIN_SAMPLE, Scorer
from codie.analyzers.style.scopes import Binding, Scope, ScopeTree
from codie.core.config import Settings, find_project_root, load_pyproject
from codie.core.files import SourceProblem, read_bytes
from codie.core.pausing import Pause
from codie.core.project import iter_files
from codie.store import default_path

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
# Pause (core/pausing.py): called between small units of training work, from the thread
# that trains: a file, a binding's ranking, and inside a file's parse, tokens, scopes,
# conventions, counts, row inserts and the model's compaction, ~1 ms of CPU apart (the
# 6,862-line file: ~4,600 calls). It must cost next to nothing when it does not wait.
MARGIN_QUANTILE = 0.99  # a consistent project's own names rarely lose by more than this
MARGIN_FLOOR = {"variable": 1.5, "function": 1.5, "class": 1.5}
MARGIN_FILES = 40  # files sampled to learn the margins
# The model's memory grows with the code it sees; conventions and names are learnt well from
# ~100k lines, so a larger workspace trains on an evenly spread sample of that size.
# `[tool.codie.style] max-train-bytes` changes it (0: no limit).
DEFAULT_MAX_TRAIN_BYTES = 4_000_000


@dataclass(frozen=True)
class TrainSummary:
    files: int
    tokens: int
    seconds: float
    margins: dict[str, float]


def _read(path: Path) -> bytes | None:
    try:
        source = read_bytes(path)  # too large or binary: nothing to learn, never cut
        return None if isinstance(source, SourceProblem) else source
    except OSError as exc:
        log.warning("style: cannot read %s: %s", path, exc)
        return None


def _key(path: Path) -> str:
    return path.resolve().as_posix()


def _digest(source: bytes) -> str:
    return hashlib.blake2b(source, digest_size=12).hexdigest()


def training_sample(paths: list[Path], settings: Settings) -> list[Path]:
    """At most max-train-bytes of source, spread evenly over the workspace's files."""
    budget = settings.section("style").get("max-train-bytes", DEFAULT_MAX_TRAIN_BYTES)
    if not isinstance(budget, int) or isinstance(budget, bool) or budget <= 0:
        return paths
    sizes = []
    for path in paths:
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)
    total = sum(sizes)
    if total <= budget:
        return paths
    step = total / budget
    chosen, taken, next_pick = [], 0, 0.0
    for index, (path, size) in enumerate(zip(paths, sizes, strict=True)):
        if index >= next_pick and taken + size <= budget:
            chosen.append(path)
            taken += size
            next_pick = index + step
    log.info("style: training on %d of %d files (%d of %d bytes)", len(chosen), len(paths), taken, total)
    return chosen


def build_model(
    root: Path,
    settings: Settings | None = None,
    on_file: Progress | None = None,
    paths: list[Path] | None = None,
    pause: Pause | None = None,
    keep: dict[str, KeptFacts] | None = None,
) -> tuple[WorkspaceModel, dict[str, str]]:
    """Train a fresh model on every Python file of the workspace (no store involved).

    `on_file(done, total)` is called after each file (a worker reports progress and may
    raise there to cancel). Files are read first (bytes, at most max-train-bytes of them
    by default), which says which files learn_margins will sample; then each is parsed,
    counted and let go (a file's facts hold its syntax tree and token strings: ~50 times
    its size). The sampled files keep their bytes, and are parsed again one at a time
    when the margins are learnt: holding their facts until then held up to 40 files'
    trees at once (for a one-file workspace, that file's beside the whole model).

    `keep` (a headless check, which analyses every trained file next): each trained
    file's stream, scope tree and convention observations are put there (KeptFacts)
    instead of being let go, for the file's analysis to take instead of computing them
    again, and the margins score the sampled files' kept facts instead of parsing them
    again: the same model and margins. Its memory is bounded by max-train-bytes (~45
    times the bytes trained on). Not with `pause` (a pausing parse's nodes have no text).
    """
    assert keep is None or pause is None, "kept facts come from a plain parse"
    settings = settings or load_pyproject(root / "pyproject.toml")[0]
    model = WorkspaceModel(root)
    digests: dict[str, str] = {}
    # `paths`: train on these only (a headless check trains on the checked files)
    paths = training_sample(list(iter_files(paths or [root], settings, root)), settings)
    sources: list[tuple[str, bytes]] = []
    for path in paths:
        if pause is not None:
            pause()
        source = _read(path)
        if source is not None:
            sources.append((_key(path), source))
    rng, sampled = margin_files(len(sources))
    kept: dict[int, tuple[str, FileFacts | bytes]] = {}
    wanted = set(sampled)

    def facts() -> Iterator[tuple[str, FileFacts]]:
        for index, (key, source) in enumerate(sources):
            if on_file is not None:
                on_file(index, len(sources))
            if pause is not None:
                pause()
            found = extract(source, pause=pause) if keep is None else extract(source, observations=True)
            digests[key] = _digest(source)
            if keep is not None:
                assert found.stream is not None and found.scopes is not None and found.observations is not None
                keep[key] = KeptFacts(source, found.stream, found.scopes, found.observations)
                if index in wanted:  # (what extract(tallies=False) would give)
                    kept[index] = (key, FileFacts(found.tokens, [], {}, found.stream, found.scopes))
                # the model counts the tokens, names and stats only
                found = FileFacts(found.tokens, found.names, found.stats)
            else:
                # the model counts the tokens, names and stats only: the tree and scopes
                # go now, before the counting's tables grow beside them (the 6,862-line
                # file: ~9 MiB of objects that were still alive while its n-grams were
                # counted)
                found.release()
                if index in wanted:
                    kept[index] = (key, source)
            sources[index] = (key, b"")  # read and counted: the bytes can go
            del source
            yield key, found

    model.train(facts(), pause)
    if keep is not None:
        _share_words(model, keep)
    model.margins = _learn_margins(model, [kept.pop(i) for i in sampled], rng, len(sources), pause)
    return model, digests


def _share_words(model: WorkspaceModel, keep: dict[str, KeptFacts]) -> None:
    """The kept streams' tokens made the vocabulary's own strings (equal ones: the model
    encoded each file's tokens to its ids), instead of one string per token each."""
    words = model.lm.vocab.words
    for key, facts in keep.items():
        entry = model.files.get(key)
        tokens = facts.stream.tokens
        if entry is not None and len(entry.ids) == len(tokens):
            tokens[:] = [words[i] for i in entry.ids]


def margin_files(count: int, seed: int = 7) -> tuple[random.Random, list[int]]:
    """Which of `count` files learn_margins samples (in its order), and its random state
    after choosing them (it goes on to sample their bindings)."""
    rng = random.Random(seed)
    order = list(range(count))
    rng.shuffle(order)  # the draws depend on the length only: as shuffling the files
    return rng, order[:MARGIN_FILES]


def learn_margins(
    model: WorkspaceModel,
    samples: Sequence[tuple[str, FileFacts | bytes]],
    seed: int = 7,
    pause: Pause | None = None,
) -> dict[str, float]:
    """Per kind group: the gap most of the project's own names stay under.

    In a project that mostly follows its conventions, existing names are mostly right,
    so the distribution of "best alternative minus current" over them says how large a
    gap is ordinary here; suggestions need more than its MARGIN_QUANTILE. A sample is a
    file's facts or its bytes (parsed when its turn comes, and let go after it).
    """
    files = [(key, item) for key, item in samples if not isinstance(item, FileFacts) or item.scopes is not None]
    rng, sampled = margin_files(len(files), seed)
    return _learn_margins(model, [files[i] for i in sampled], rng, len(files), pause)


def _learn_margins(
    model: WorkspaceModel,
    files: Sequence[tuple[str, FileFacts | bytes]],
    rng: random.Random,
    population: int,
    pause: Pause | None = None,
) -> dict[str, float]:
    gaps: dict[str, list[float]] = {}
    per_file = max(1, MARGIN_SAMPLE // max(1, min(population, MARGIN_FILES)))
    for key, item in files:
        if pause is not None:
            pause()
        facts = item if isinstance(item, FileFacts) else extract(item, tallies=False, pause=pause)
        assert facts.scopes is not None and facts.stream is not None
        bindings = [b for b in facts.scopes.bindings() if b.kind in KIND_GROUP and b.name not in ("self", "cls", "_")]
        rng.shuffle(bindings)
        if pause is not None:
            pause()
        scorer = Scorer(model, facts.stream, key)
        for binding in by_scope(bindings[:per_file], facts.scopes):
            if pause is not None:
                pause()
            ranked = scorer.rank(binding, facts.scopes)
            if ranked is not None and ranked.names:
                gaps.setdefault(KIND_GROUP[binding.kind], []).append(ranked.gap)
        del scorer, bindings
        if facts is not item:  # parsed here: one file's tree at a time
            facts.release()
    margins = dict(DEFAULT_MARGIN)
    for group, values in gaps.items():
        if len(values) >= 20:
            values.sort()
            q = values[min(len(values) - 1, int(MARGIN_QUANTILE * len(values)))]
            margins[group] = round(max(q, MARGIN_FLOOR[group]), 3)
    return margins


def by_scope(bindings: list[Binding], tree: ScopeTree) -> Iterator[Binding]:
    """`bindings` one scope's after another (in the order of the tree's scopes), the names
    visible in a scope forgotten once its bindings are ranked: a ranking caches them per
    scope (ScopeTree.names_visible_in, each a set of most of the file's names), and the
    sample drawn in random order held the sets of every scope it met (the 6,862-line
    file: 607 sets, 3.2 MiB). A ranking does not depend on the ones before it, and the
    gaps are sorted: the same margins."""
    order = {id(scope): i for i, scope in enumerate(tree.scopes)}
    current: Scope | None = None
    for binding in sorted(bindings, key=lambda b: order[id(b.scope)]):
        if binding.scope is not current:
            tree.forget_visible()
            current = binding.scope
        yield binding
    tree.forget_visible()


def train_workspace(
    root: Path | str, db_path: Path | str | None = None, on_file: Progress | None = None
) -> TrainSummary:
    """Worker job: (re)train the workspace's style model and store it."""
    started = time.perf_counter()
    root = Path(root).resolve()
    model, digests = build_model(root, on_file=on_file)
    db = storage.open_db(db_path or default_path(root))
    try:
        storage.write_all(db, model, digests)
    finally:
        db.conn.close()
    return TrainSummary(len(model.files), model.tokens_seen, round(time.perf_counter() - started, 3), model.margins)


def update_file(
    path: Path | str,
    db_path: Path | str | None = None,
    model: WorkspaceModel | None = None,
    pause: Pause | None = None,
) -> bool:
    """Worker job: a file was saved (or deleted); replace its contribution.

    Without `model` the stored model is loaded, updated and written back (worker process);
    the LSP server passes its in-memory model so both stay in step, and its `pause` (see
    Pause: the user types on after a save). Returns False when the file was unchanged.
    """
    path = Path(path)
    root = model.root if model is not None and model.root is not None else find_project_root(path)
    db = storage.open_db(db_path or default_path(root))
    try:
        key = _key(path)
        source = _read(path) if path.exists() else None
        digest = _digest(source) if source is not None else ""
        if source is not None and storage.digest_of(key, db) == digest and (model is None or key in model.files):
            return False
        if model is None:
            model = storage.load(db, root)
        if source is None:
            old = model.remove(key)
            storage.write_file(db, model, key, digest, old, None)
        else:
            facts = extract(source, pause=pause)
            facts.release()  # (as in build_model: the model counts none of it)
            old, new = model.add(key, facts)
            storage.write_file(db, model, key, digest, old, new)
        return True
    finally:
        db.conn.close()


def refresh_model(root: Path, db_path: Path | str, pause: Pause | None = None) -> WorkspaceModel:
    """The stored model brought up to date with the files on disk (or trained afresh).
    `pause()` is called between units of work (see Pause)."""
    root = root.resolve()
    db = storage.open_db(db_path)
    try:
        if pause is not None:
            pause()
        if db.execute("SELECT count(*) FROM style_files").fetchone()[0] == 0:
            model, digests = build_model(root, pause=pause)
            storage.write_all(db, model, digests, pause)
            return model
        model = storage.load(db, root)
        settings = load_pyproject(root / "pyproject.toml")[0]
        stored = dict(db.execute("SELECT path, digest FROM style_files").fetchall())
        seen: set[str] = set()
        changed: list[tuple[str, bytes]] = []  # (bytes: learn_margins parses its sample again)
        for path in iter_files([root], settings, root):
            key = _key(path)
            seen.add(key)
            source = _read(path)
            if source is None:
                continue
            digest = _digest(source)
            if stored.get(key) == digest:
                continue
            if pause is not None:
                pause()
            facts = extract(source, pause=pause)
            facts.release()  # (as in build_model)
            old, new = model.add(key, facts)
            storage.write_file(db, model, key, digest, old, new)
            changed.append((key, source))
        for key in set(stored) - seen:
            storage.write_file(db, model, key, "", model.remove(key), None)
        if len(changed) > max(5, len(model.files) // 3):
            model.margins = learn_margins(model, changed, pause=pause)
            storage.write_meta(db, model)
        return model
    finally:
        db.conn.close()
