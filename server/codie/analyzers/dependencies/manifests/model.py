"""What every manifest parser produces: dependencies with exact byte spans, and problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from packaging.utils import canonicalize_name

Kind = Literal["pin", "range", "lock", "url", "editable"]


@dataclass(frozen=True, slots=True)
class Dependency:
    """One declared or locked dependency.

    `start`/`end` cover the requirement (or the lock entry's version string); `version_start`
    and `version_end` cover exactly the version text an upgrade replaces (None when the
    requirement has no editable version, e.g. a URL).
    """

    name: str
    version: str | None  # the exact version (pins, locks) or the range's lower bound
    kind: Kind
    start: int
    end: int
    specifier: str = ""
    version_start: int | None = None
    version_end: int | None = None
    marker: str = ""
    group: str = ""  # "", an extra/group name, "dev", ...

    @property
    def key(self) -> str:
        return canonicalize_name(self.name)

    @property
    def exact(self) -> bool:
        return self.kind in ("pin", "lock")


@dataclass(frozen=True, slots=True)
class Problem:
    """Input Codie could not understand, at the bytes where it starts."""

    message: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Include:
    """A `-r`/`-c` reference in a requirements file."""

    target: str
    constraint: bool
    start: int
    end: int


@dataclass
class Manifest:
    format: str
    dependencies: list[Dependency] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    # lockfiles: package -> the packages it requires (PEP 503 names), for the SBOM graph
    requires: dict[str, list[str]] = field(default_factory=dict)
