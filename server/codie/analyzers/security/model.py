"""Taint values: where untrusted data came from, how it travelled, what cleaned it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from codie.analyzers.security.specs import ALL_FAMILIES, kind_counts

MAX_PATH = 8  # steps kept per path: the source, the last hops and the sink matter most


@dataclass(frozen=True, slots=True)
class Step:
    """One hop of a path; offsets are relative to the start of the function `owner`, so
    that summaries and cached results survive edits elsewhere in the file."""

    owner: str
    start: int
    end: int
    message: str


@dataclass(frozen=True, slots=True)
class Taint:
    """May-taint of one value.

    kinds: origins, e.g. "user", "env", "file" or "param:2" (a parameter of the function
    being summarised). cleared: vulnerability families for which the value was sanitized
    (shlex.quote clears "cmd" only). normalized: passed through realpath/normpath, so a
    following containment check really contains it.
    """

    kinds: frozenset[str]
    path: tuple[Step, ...] = ()
    cleared: frozenset[str] = frozenset()
    normalized: bool = False
    # (kind, family): the origin reached this value only through parts cleaned for the
    # family, though the value as a whole is not (request data urlencoded into the query of
    # a URL whose host comes from elsewhere cannot choose the host): it does not count there
    quiet: frozenset[tuple[str, str]] = frozenset()

    def step(self, step: Step) -> Taint:
        if self.path and self.path[-1] == step:
            return self
        path = (*self.path, step)
        if len(path) > MAX_PATH:
            path = (path[0], *path[-(MAX_PATH - 1) :])
        return replace(self, path=path)

    def clear(self, families: frozenset[str]) -> Taint:
        """The value after a sanitizer or guard. Fully cleaned values stay visible (unlike
        None, "unknown origin") so that a sanitized argument is not reported as a bare
        match."""
        return replace(self, cleared=self.cleared | families)

    @property
    def clean(self) -> bool:
        return self.cleared >= ALL_FAMILIES

    def live_for(self, family: str) -> bool:
        return family not in self.cleared

    def only_live(self, family: str) -> Taint:
        """The value without the origins that are quiet for `family`."""
        if not self.quiet:
            return self
        dead = frozenset(k for k, f in self.quiet if f == family)
        return replace(self, kinds=self.kinds - dead) if dead & self.kinds else self

    @property
    def real_kinds(self) -> frozenset[str]:
        return frozenset(k for k in self.kinds if not k.startswith("param:"))

    @property
    def params(self) -> list[int]:
        return sorted(int(k[6:]) for k in self.kinds if k.startswith("param:"))


def join(a: Taint | None, b: Taint | None) -> Taint | None:
    """The value may carry either taint: union of origins, intersection of sanitization."""
    if a is None:
        return b
    if b is None or a is b:
        return a
    # keep the path of a real source over a parameter's, else the shorter one
    a_real, b_real = bool(a.real_kinds), bool(b.real_kinds)
    if a_real != b_real:
        path = a.path if a_real else b.path
    else:
        path = a.path if len(a.path) <= len(b.path) else b.path
    cleared = a.cleared & b.cleared
    quiet: frozenset[tuple[str, str]] = frozenset()
    if a.cleared != b.cleared or a.quiet or b.quiet:
        # a family one side cleared stays cleared when the other side's origins cannot
        # carry it (`request.path` cannot aim a redirect, so the path joined with a
        # URL-encoded query string still cannot)
        for family in a.cleared ^ b.cleared:
            other = b if family in a.cleared else a
            if other.kinds and not any(_counts(k, family) for k in other.kinds):
                cleared |= {family}
        # else the cleared side's own origins stay quiet for it
        families = ((a.cleared ^ b.cleared) | {f for _, f in a.quiet | b.quiet}) - cleared
        if families:
            quiet = frozenset(
                (k, f)
                for f in families
                for k in a.kinds | b.kinds
                if (k not in a.kinds or f in a.cleared or (k, f) in a.quiet)
                and (k not in b.kinds or f in b.cleared or (k, f) in b.quiet)
            )
    return Taint(a.kinds | b.kinds, path, cleared, a.normalized and b.normalized, quiet)


def _counts(kind: str, family: str) -> bool:
    return kind.startswith("param:") or kind_counts(kind, family)


def join_all(items: list[Taint | None]) -> Taint | None:
    out: Taint | None = None
    for t in items:
        out = join(out, t)
    return out


@dataclass(frozen=True, slots=True)
class SinkHit:
    """A tainted value reaching a sink (offsets relative to the function `owner`)."""

    owner: str
    rule: str
    family: str
    start: int
    end: int
    label: str
    taint: Taint
    evidence: float
    fix_key: str = ""
    # places in other files the path went through: (uri, 0-based line, utf-8 column, message)
    external: tuple[tuple[str, int, int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Skipped:
    """A statement (or function) the interpreter gave up on: nested too deeply, or over
    its budget. Reported as such (ANA001), never silently; offsets relative to `owner`."""

    owner: str
    start: int
    end: int
    reason: str


@dataclass(frozen=True, slots=True)
class Summary:
    """What a function does with its parameters: which reach its return, which a sink."""

    params: tuple[str, ...]
    returns: Taint | None
    sinks: tuple[SinkHit, ...]
    vararg: int = -1  # index of *args in params, -1 if none
