"""The style analyzer: naming suggestions (STY001) and learned conventions (STY002-STY007).

Cheap enough for the keystroke path: tokenizing and scoping a file takes a few ms, and
naming scores are cached by what they depend on (the tokens around each occurrence, the
names taken in scope and the model's generation), so an edit re-scores only the names
whose surroundings it changed. Nothing is reported before the model has seen
`min-tokens` tokens of the workspace (`[tool.codie.style]`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlparse

from tree_sitter import Node

from codie.analyzers.style import conventions, scopes, storage
from codie.analyzers.style.model import KIND_GROUP, KeptFacts, WorkspaceModel
from codie.analyzers.style.naming import Ranked, Scorer, positions_of
from codie.analyzers.style.service import SERVICE, StyleService
from codie.analyzers.style.tokens import TokenStream, tokenize
from codie.core.analyzer import Context
from codie.core.findings import Finding, Fix, TextEdit
from codie.store import default_path

RULES = {
    "case": "STY002",
    "quotes": "STY003",
    "docquotes": "STY003",
    "import_order": "STY004",
    "import_multi": "STY005",
    "docstyle": "STY006",
    "line_length": "STY007",
}
DEFAULTS: dict[str, Any] = {
    "min-tokens": 5000,
    "min-samples": 20,
    "dominance": 0.9,
    "naming": True,
    "naming-max-lines": 5000,
}
# bits by which the best name must beat the runner-up: at this separation the
# leave-one-file-out benchmark finds the hidden name first >= 90% of the time
MIN_SEPARATION = 1.5
WINDOW = 4  # tokens either side of an occurrence that its score depends on
# Naming scores kept per generation of the cache (two generations: the current one and the
# one before; see _naming). An entry is ~3 KB; 20,000 in one generation let the soak
# benchmark's server grow for ten minutes of typing. 4,000 holds the names of several big
# open files, and what was used in the last generation survives a turnover.
CACHE_LIMIT = 4_000
# conventions where a file that deviates many times gets one finding, not one per place
FILE_LEVEL = frozenset({"quotes", "docquotes"})
FILE_LEVEL_AFTER = 3


def options(section: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        value = section.get(key, section.get(key.replace("-", "_"), default))
        if isinstance(default, bool):
            out[key] = value if isinstance(value, bool) else default
        elif isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            out[key] = type(default)(value)
    return out


def model_of(ctx: Context) -> WorkspaceModel | None:
    """The workspace's model, from the service every door fills: the editor trains it from
    the workspace; `codie check` trains one from the checked project's own files (never a
    local `.codie` store, so two machines give the same output); no service, no model."""
    service = ctx.services.get(SERVICE)
    if isinstance(service, StyleService):
        return service.model_for(ctx.root)
    return None


_STORED: dict[Path, tuple[float, WorkspaceModel | None]] = {}


def stored_model(root: Path) -> WorkspaceModel | None:
    """The stored model of `root`, loaded once per process (and again if the store changes)."""
    path = default_path(root)
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return None
    cached = _STORED.get(root)
    if cached is None or cached[0] != stamp:
        try:
            db = storage.open_db(path)
            try:
                model = storage.load(db, root) if db["style_files"].count else None
            finally:
                db.conn.close()
        except Exception:  # a broken store must not break the check: no style findings
            model = None
        cached = _STORED[root] = (stamp, model)
    return cached[1]


def file_key(uri: str) -> str | None:
    """The model's key for a document: its resolved path (None for unsaved buffers)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path)).resolve().as_posix()


class StyleAnalyzer:
    name: ClassVar[str] = "style"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = False
    # scopes and naming need the whole file (~100s of ms on a big one): the editor runs this
    # on a snapshot off the event loop when typing pauses (core/engine.py)
    deferred: ClassVar[bool] = True

    def __init__(self) -> None:
        self._cache: dict[tuple[Any, ...], tuple[int, Ranked | None]] = {}
        self._older: dict[tuple[Any, ...], tuple[int, Ranked | None]] = {}  # the generation before
        self._sets: dict[frozenset[str], frozenset[str]] = {}  # the cache keys' name sets, once each

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        model = model_of(ctx)
        tree = ctx.doc.tree
        opts = options(ctx.settings.section("style"))
        if model is None or tree is None or model.tokens_seen < opts["min-tokens"]:
            return
        source = ctx.doc.source
        key = file_key(ctx.doc.uri)
        service = ctx.services.get(SERVICE)
        # a headless check's training already computed these of the same bytes (KeptFacts)
        kept = service.take(key, source) if isinstance(service, StyleService) else None
        try:
            yield from self._analyze(ctx, model, opts, key, kept)
        finally:
            if kept is not None:
                kept.release()  # (its cycles: freed now, not at the next collection)

    def _analyze(
        self, ctx: Context, model: WorkspaceModel, opts: dict[str, Any], key: str | None, kept: KeptFacts | None
    ) -> Iterator[Finding]:
        source, tree = ctx.doc.source, ctx.doc.tree
        assert tree is not None
        root = tree.root_node
        scope_tree = kept.scopes if kept is not None else scopes.build(source, root)
        with model.lock:
            stats = model.stats_without(key)
        observations = kept.observations if kept is not None else conventions.observe(source, root, scope_tree)
        found = sorted(
            conventions.deviations(observations, stats, opts["min-samples"], opts["dominance"]),
            key=lambda d: d.observation.start,
        )
        per_key: dict[str, int] = {}
        for dev in found:
            per_key[dev.observation.key] = per_key.get(dev.observation.key, 0) + 1
        reported: set[str] = set()
        for dev in found:
            o = dev.observation
            message = dev.message
            if o.key in FILE_LEVEL and per_key[o.key] > FILE_LEVEL_AFTER:
                # a file with its own habit: say it once, not at every string
                if o.key in reported:
                    continue
                reported.add(o.key)
                message += f" (and {per_key[o.key] - 1} more in this file)"
            rule = RULES["case" if o.key.startswith("case:") else o.key]
            evidence = 0.5 + 0.45 * min(1.0, (dev.share - 0.5) * 2) * (1 - math.exp(-dev.samples / 50))
            yield ctx.report(
                rule,
                o.start,
                o.end,
                message,
                evidence=round(evidence, 3),
                notes=[f"project convention: {dev.dominant} ({dev.share:.1%} of {dev.samples:,})"],
                data={"convention": o.key, "dominant": dev.dominant},
            )
        if opts["naming"] and ctx.doc.lines.count <= opts["naming-max-lines"]:
            stream = kept.stream if kept is not None else tokenize(source, root)
            yield from self._naming(ctx, model, scope_tree, key, stream)

    def _naming(
        self, ctx: Context, model: WorkspaceModel, tree: scopes.ScopeTree, key: str | None, stream: TokenStream
    ) -> Iterator[Finding]:
        doc = ctx.doc
        assert doc.tree is not None
        scorer: Scorer | None = None  # built on the first cache miss only
        if len(self._cache) > CACHE_LIMIT:  # a new generation: what is not used again goes
            self._older, self._cache = self._cache, {}
            self._sets = {k[3]: k[3] for k in self._older}  # the sets the kept keys hold
        # In the editor the scoring runs in slices: past the budget, names keep their
        # previous (possibly stale) verdict or wait, and the service asks for another pass.
        service = ctx.services.get(SERVICE)
        budget = service.naming_budget if isinstance(service, StyleService) else None
        deadline = time.perf_counter() + budget if budget is not None else None
        unfinished = False
        computed = 0
        members = scopes.attribute_spans(doc.source, doc.tree.root_node)
        for binding in list(tree.bindings()):
            if not suggestible(binding, model, key) or scopes.untracked_member_uses(binding, members):
                continue
            positions = positions_of(stream, binding)
            if not positions:
                continue
            # the names taken are those visible minus this one: the per-scope set (shared by
            # every name of the scope, and across passes while it is unchanged) with the name
            # stands for them. A set per name made each entry ~4-10 KB more (the soak
            # benchmark's server grew by ~30 MiB a minute of typing).
            visible = tree.names_visible_in(binding.scope)
            visible = self._sets.setdefault(visible, visible)
            toks = stream.tokens
            margin = model.margins.get(KIND_GROUP[binding.kind], 2.0)
            cache_key = (
                key,
                binding.kind,
                binding.name,
                visible,
                tuple(tuple(toks[max(0, p - WINDOW) : p + WINDOW + 1]) for p in positions),
                margin,  # what rank's bar cut short depends on it
            )
            cached = self._cache.get(cache_key)
            if cached is None and (cached := self._older.pop(cache_key, None)) is not None:
                self._cache[cache_key] = cached
            if cached is not None and cached[0] == model.generation:
                ranked = cached[1]
            elif deadline is not None and computed and time.perf_counter() > deadline:
                unfinished = True  # (each pass scores at least one name: progress)
                ranked = cached[1] if cached is not None else None
            else:
                if scorer is None:
                    scorer = Scorer(model, stream, key)
                ranked = scorer.rank(binding, tree, gate=True, bar=(margin, MIN_SEPARATION))
                self._cache[cache_key] = (model.generation, ranked)
                computed += 1
            if ranked is None or ranked.best is None:
                continue
            gap = ranked.gap
            # the project must prefer the name clearly (margin) and unambiguously: the
            # best candidate well ahead of the runner-up and of any new name
            if gap <= margin or ranked.confidence < MIN_SEPARATION:
                continue
            best = ranked.best[0]
            evidence = 0.55 + 0.4 * (1 - 2 ** (-(gap - margin) / max(margin, 0.5)))
            count = len(binding.occurrences)
            edits = tuple(TextEdit(s, e, best) for s, e in sorted(set(binding.occurrences)))
            alternatives = ", ".join(f"`{n}` ({ranked.current - s:+.1f})" for n, s in ranked.names[1:4])
            yield ctx.report(
                "STY001",
                binding.definition,
                message=f"This project would name this {binding.kind} `{best}`, not "
                f"`{binding.name}` ({gap:.1f} bits/token better over {count} occurrence"
                f"{'s' if count != 1 else ''}; the learned margin is {margin:.1f})",
                evidence=round(evidence, 3),
                notes=[f"scored by the workspace's {model.lm.order}-gram model ({model.tokens_seen:,} tokens)"]
                + ([f"other candidates: {alternatives}"] if alternatives else []),
                fix=Fix(
                    f"Rename `{binding.name}` to `{best}` ({count} occurrence{'s' if count != 1 else ''})",
                    edits,
                    safe=False,
                ),
                data={"name": binding.name, "suggestion": best, "gap": round(gap, 3), "margin": margin},
            )
        if unfinished and isinstance(service, StyleService):
            service.more_naming(doc.uri)


def suggestible(binding: scopes.Binding, model: WorkspaceModel, key: str | None) -> bool:
    """Kinds we name, minus names a rename inside this file could not fully cover."""
    if binding.kind not in KIND_GROUP or binding.name in ("self", "cls", "_"):
        return False
    if binding.name.startswith("__") and binding.name.endswith("__"):
        return False
    if binding.kind in (scopes.FUNCTION, scopes.METHOD, scopes.CLASS) and binding.scope.kind in ("module", "class"):
        return not model.used_elsewhere(binding.name, key)
    owner = scopes.owner_name(binding)  # callers elsewhere may pass it by keyword
    return owner is None or not model.used_elsewhere(owner, key)


def analyzers() -> list[StyleAnalyzer]:
    return [StyleAnalyzer()]
