"""The big files the benchmarks and the large-file tests share (standard library only).

`stdlib_large()` is the 6,862-line file of ../shared/bench/lspbench.py --stdlib-file large
(this Python's inspect.py + typing.py); `stdlib_repeated(n)` is that file repeated to n lines
(every kind of statement, linear growth); `stdlib_other()` is a file of about the same size
made of other modules (argparse.py + subprocess.py + dataclasses.py, 6,340 lines), for a
file opened later that shares no statement with the first.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path


def _joined(*names: str) -> str:
    lib = Path(sysconfig.get_paths()["stdlib"])
    parts = []
    for name in names:
        text = (lib / name).read_text(encoding="utf-8")
        parts.append(text if text.endswith("\n") else text + "\n")
    return "".join(parts)


def stdlib_large() -> str:
    """inspect.py + typing.py, exactly as lspbench.py --stdlib-file large builds it."""
    return _joined("inspect.py", "typing.py")


def stdlib_other() -> str:
    """argparse.py + subprocess.py + dataclasses.py: as large, no statement in common."""
    return _joined("argparse.py", "subprocess.py", "dataclasses.py")


def stdlib_repeated(lines: int = 50_000) -> str:
    base = stdlib_large()
    n = base.count("\n")
    return base * (lines // n) + "".join(base.splitlines(keepends=True)[: lines % n])
