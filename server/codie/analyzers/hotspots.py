"""Hotspots = churn x complexity (Tornhill): code that is both complicated and often changed.

File score = commits in the window x the sum of its functions' cyclomatic complexity;
function score = the function's commits x its own cyclomatic complexity. `normalised` is
(commits / max commits) x (complexity / max complexity), in 0..1, for charts.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from codie.analyzers.churn import ChurnError, ChurnIndex, git, per_function, per_path
from codie.analyzers.metrics import Metrics, flatten, module_metrics
from codie.core.document import parse
from codie.core.files import SourceProblem, read_bytes


@dataclass(frozen=True, slots=True)
class Hotspot:
    path: str  # relative to the analysed folder
    function: str  # "" for a file
    line: int  # 1-based line of the def (0 for a file)
    commits: int
    added: int
    removed: int
    authors: int
    complexity: int
    sloc: int
    score: int
    normalised: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _metrics(path: Path) -> Metrics | None:
    try:
        source = read_bytes(path)
    except OSError:
        return None
    if isinstance(source, SourceProblem):
        return None  # too large or binary: no metrics rather than a cut file's
    return module_metrics(parse(source), source, path.stem)


def compute(
    root: Path, window: int, db_path: Path | str, now: int | None = None
) -> tuple[list[Hotspot], list[Hotspot]]:
    """(file hotspots, function hotspots), best first."""
    root = root.resolve()
    try:
        top = Path(git(root, "rev-parse", "--show-toplevel").strip()).resolve()
    except ChurnError:
        raise ChurnError(f"{root} is not inside a git repository") from None
    index = ChurnIndex(root, db_path)
    file_churn = per_path(index.files(window, now))
    function_churn = per_function(index.functions(window, now))
    files: list[Hotspot] = []
    functions: list[Hotspot] = []
    for repo_path, churn in file_churn.items():
        absolute = top / repo_path
        if (
            not repo_path.endswith(".py")
            or not absolute.is_file()
            or (absolute != root and root not in absolute.parents)
        ):
            continue
        metrics = _metrics(absolute)
        if metrics is None:
            continue
        rel = absolute.relative_to(root).as_posix()
        funcs = [m for m in flatten(metrics) if m.kind in ("function", "method")]
        total_cc = sum(m.cyclomatic for m in funcs) or metrics.cyclomatic
        files.append(
            Hotspot(
                rel,
                "",
                0,
                churn.commits,
                churn.added,
                churn.removed,
                churn.authors,
                total_cc,
                metrics.lines.sloc,
                churn.commits * total_cc,
            )
        )
        by_name = function_churn.get(repo_path, {})
        for m in funcs:
            c = by_name.get(m.name)
            if c is None:
                continue
            functions.append(
                Hotspot(
                    rel,
                    m.qualname,
                    m.line + 1,
                    c.commits,
                    c.added,
                    c.removed,
                    c.authors,
                    m.cyclomatic,
                    m.lines.sloc,
                    c.commits * m.cyclomatic,
                )
            )
    return _rank(files), _rank(functions)


def _rank(spots: list[Hotspot]) -> list[Hotspot]:
    if not spots:
        return []
    max_commits = max(s.commits for s in spots) or 1
    max_cc = max(s.complexity for s in spots) or 1
    ranked = [
        Hotspot(**{**s.as_dict(), "normalised": round((s.commits / max_commits) * (s.complexity / max_cc), 4)})
        for s in spots
    ]
    return sorted(ranked, key=lambda s: (-s.score, -s.commits, s.path, s.function))


def table(spots: list[Hotspot], functions: bool = False) -> str:
    head = (
        f"{'#':>3}  {'score':>6}  {'commits':>7}  {'+/-':>11}  {'authors':>7}  {'CC':>4}  "
        f"{'SLOC':>5}  {'function' if functions else 'file'}"
    )
    lines = [head, "-" * len(head)]
    for i, s in enumerate(spots, 1):
        where = f"{s.path}:{s.line} {s.function}" if functions else s.path
        lines.append(
            f"{i:>3}  {s.score:>6}  {s.commits:>7}  {f'+{s.added}/-{s.removed}':>11}  "
            f"{s.authors:>7}  {s.complexity:>4}  {s.sloc:>5}  {where}"
        )
    return "\n".join(lines) + "\n"


def svg_chart(spots: list[Hotspot], title: str, labels: int = 10) -> str:
    """A scatter plot: commits (x) against complexity (y), bubble area ~ SLOC."""
    import html  # (here: the editor loads this module, and draws no chart)

    width, height, pad = 760, 480, 60
    max_x = max((s.commits for s in spots), default=1) or 1
    max_y = max((s.complexity for s in spots), default=1) or 1
    max_sloc = max((s.sloc for s in spots), default=1) or 1

    def x(v: float) -> float:
        return pad + (width - 2 * pad) * v / max_x

    def y(v: float) -> float:
        return height - pad - (height - 2 * pad) * v / max_y

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="24" text-anchor="middle" font-size="15">{html.escape(title)}</text>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="black"/>',
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="black"/>',
        f'<text x="{width / 2}" y="{height - 20}" text-anchor="middle">commits in window</text>',
        f'<text x="18" y="{height / 2}" text-anchor="middle" '
        f'transform="rotate(-90 18 {height / 2})">cyclomatic complexity (sum)</text>',
    ]
    for tick in range(5):
        tx, ty = max_x * tick / 4, max_y * tick / 4
        out.append(f'<text x="{x(tx):.1f}" y="{height - pad + 16}" text-anchor="middle">{tx:.0f}</text>')
        out.append(f'<text x="{pad - 8}" y="{y(ty) + 4:.1f}" text-anchor="end">{ty:.0f}</text>')
    for i, s in reversed(list(enumerate(spots))):
        radius = 3 + 14 * math.sqrt(s.sloc / max_sloc)
        red = int(80 + 175 * s.normalised)
        out.append(
            f'<circle cx="{x(s.commits):.1f}" cy="{y(s.complexity):.1f}" '
            f'r="{radius:.1f}" fill="rgb({red},60,60)" fill-opacity="0.55" '
            f'stroke="rgb({red},40,40)"><title>{html.escape(s.path)} {s.function} '
            f"score {s.score}</title></circle>"
        )
        if i < labels:
            out.append(
                f'<text x="{x(s.commits) + radius + 2:.1f}" y="{y(s.complexity) + 4:.1f}">'
                f"{i + 1}. {html.escape(s.function or s.path)}</text>"
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"


__all__ = ["ChurnError", "Hotspot", "compute", "svg_chart", "table"]
