"""Files of a project: the one walker and the one reader, for every door.

`walk` yields the files Codie analyses under some paths. It never reads what is ignored:
folders excluded by `exclude`, hidden folders and folders a `.gitignore` (at any depth)
ignores are pruned before they are entered; ignored files are never opened. Only regular
files come out: a FIFO named `x.py`, a socket or a device is skipped (reading one would
hang), symlinked folders are not entered (no loop can form), and a looping symlink, an
unreadable folder or a vanished file skips only itself (`on_skip` hears about it).

`read_source` turns a file into text, or into one `SourceProblem` instead of garbage:
too large (never silently cut: a cut file parses as a false syntax error), binary, or not
decodable in its declared encoding (PEP 263 coding cookie, UTF-8 by default).
"""

from __future__ import annotations

import codecs
import errno
import io
import os
import re
import stat
import tokenize
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from codie.core.config import Settings
from codie.core.document import language_for

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

# Larger files get one CFG020 finding and no analysis (`[tool.codie.files] max-bytes`).
MAX_FILE_BYTES = 5_000_000
ANALYSED_LANGUAGES = frozenset({"python", "requirements", "toml", "lock", "notebook"})
PYTHON_ONLY = frozenset({"python"})
BINARY_PROBE = 65536  # whether content is text is judged on its first this-many bytes

Skip = Callable[[Path, str], None]


def max_file_bytes(settings: Settings) -> int:
    raw = settings.section("files").get("max-bytes")
    if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
        return raw
    return MAX_FILE_BYTES


def relative_path(path: Path, root: Path) -> str:
    """path relative to root, POSIX style; never raises (a symlink loop, a foreign path)."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (3.11)
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
        return Path(rel).as_posix() if not rel.startswith("..") else path.as_posix()


# .gitignore ----------------------------------------------------------------------------------
def _gitignore(path: Path) -> GitIgnoreSpec | None:
    # (imported here: ~30 ms, and a first file's diagnostics read no .gitignore)
    from pathspec import GitIgnoreSpec

    try:
        with open(path, "rb") as fh:
            data = fh.read(1_000_000)
        return GitIgnoreSpec.from_lines(data.decode("utf-8", "replace").splitlines())
    except (OSError, ValueError):
        return None


def _inside(rel: str, base: str) -> bool:
    return not base or rel == base or rel.startswith(base + "/")


def _ignored(specs: Sequence[tuple[str, GitIgnoreSpec]], rel: str, directory: bool) -> bool:
    for base, spec in specs:
        if not _inside(rel, base) or rel == base:
            continue
        sub = rel[len(base) + 1 :] if base else rel
        if spec.match_file(sub + "/" if directory else sub):
            return True
    return False


def _pruned_folder(name: str, rel: str, settings: Settings, specs: Sequence[tuple[str, GitIgnoreSpec]]) -> bool:
    return name.startswith(".") or settings.is_excluded(f"{rel}/x") or _ignored(specs, rel, directory=True)


def _specs_above(folder_rel: str, root: Path) -> list[tuple[str, GitIgnoreSpec]]:
    """The .gitignore files of root and of every folder down to folder_rel (inclusive)."""
    parts = [p for p in folder_rel.split("/") if p]
    specs = []
    for depth in range(len(parts) + 1):
        base = "/".join(parts[:depth])
        spec = _gitignore(root.joinpath(*parts[:depth], ".gitignore"))
        if spec is not None:
            specs.append((base, spec))
    return specs


def is_included(path: Path, root: Path, settings: Settings, languages: frozenset[str] = PYTHON_ONLY) -> bool:
    """walk's verdict for one path under root, reading only the .gitignore files above it."""
    rel = relative_path(path, root)
    if rel == path.as_posix() and path.is_absolute():
        return False  # not under root
    parts = rel.split("/")
    if language_for(parts[-1]) not in languages or settings.is_excluded(rel):
        return False
    specs: list[tuple[str, GitIgnoreSpec]] = []
    for depth in range(len(parts)):
        base = "/".join(parts[:depth])
        if depth and _pruned_folder(parts[depth - 1], base, settings, specs):
            return False
        spec = _gitignore(root.joinpath(*parts[:depth], ".gitignore"))
        if spec is not None:
            specs.append((base, spec))
    return not _ignored(specs, rel, directory=False) and _regular(path)


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)  # follows a symlink to a file
    except (OSError, ValueError):
        return False


def walk(
    paths: Sequence[Path],
    root: Path,
    settings: Settings,
    languages: frozenset[str] | set[str] = PYTHON_ONLY,
    on_skip: Skip | None = None,
) -> Iterator[Path]:
    """Files under `paths` (relative to project `root`) that Codie analyses, sorted per
    folder. A file named explicitly is analysed unless it is not a regular file."""
    langs = frozenset(languages)

    def skip(path: Path, why: str) -> None:
        if on_skip is not None:
            on_skip(path, why)

    for start in paths:
        try:
            mode = os.stat(start).st_mode
        except OSError as exc:
            skip(start, _reason(exc))
            continue
        if not stat.S_ISDIR(mode):
            if stat.S_ISREG(mode):
                yield start
            else:
                skip(start, "not a regular file")
            continue
        yield from _walk_folder(start, root, settings, langs, skip)


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    return exc.strerror or str(exc)


def _walk_folder(start: Path, root: Path, settings: Settings, languages: frozenset[str], skip: Skip) -> Iterator[Path]:
    start_rel = relative_path(start, root)
    start_rel = "" if start_rel == "." else start_rel
    specs = _specs_above(start_rel, root)  # the start folder's own .gitignore included

    def error(exc: OSError) -> None:
        skip(Path(exc.filename or start), _reason(exc))

    for folder, dirs, files in os.walk(start, onerror=error):  # followlinks=False: no loops
        rel_folder = relative_path(Path(folder), root)
        rel_folder = "" if rel_folder == "." else rel_folder
        if folder != str(start) and ".gitignore" in files:
            spec = _gitignore(Path(folder) / ".gitignore")
            if spec is not None:
                specs.append((rel_folder, spec))
        active = [(base, spec) for base, spec in specs if _inside(rel_folder, base)]
        keep = []
        for d in sorted(dirs):
            rel = f"{rel_folder}/{d}" if rel_folder else d
            if not _pruned_folder(d, rel, settings, active):
                keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            if language_for(name) not in languages:
                continue
            rel = f"{rel_folder}/{name}" if rel_folder else name
            if settings.is_excluded(rel) or _ignored(active, rel, directory=False):
                continue
            path = Path(folder) / name
            try:
                mode = os.stat(path).st_mode
            except OSError as exc:
                skip(path, _reason(exc))
                continue
            if stat.S_ISREG(mode):
                yield path
            else:
                skip(path, "not a regular file")


# reading -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SourceProblem:
    """Why a file is not analysed: `rule` is the finding to report, `message` says why."""

    rule: str
    message: str


TOO_LARGE = "CFG020"
BINARY = "CFG021"
UNDECODABLE = "CFG022"


# Bytes that are not text: NUL, C0 controls other than whitespace and ESC, U+FFFD (what an
# editor decoded bytes that were not UTF-8 into) and lone surrogates (undecodable bytes an
# editor escaped into the JSON; the server encodes them with "surrogatepass").
_CONTROLS = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_REPLACEMENT = "\ufffd".encode()
_SURROGATE = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")


def too_large(size: int, limit: int = MAX_FILE_BYTES) -> SourceProblem | None:
    """CFG020 when size (bytes) is over limit: a file's, or an editor buffer's UTF-8 size."""
    if size <= limit:
        return None
    return SourceProblem(
        TOO_LARGE,
        f"Not analysed: {size:,} bytes is larger than {limit:,} bytes (above the limit set by "
        "[tool.codie.files] max-bytes)",
    )


def looks_binary(data: bytes) -> bool:
    """Whether content is not text, judged on its first BINARY_PROBE bytes: many non-text
    bytes (at least 8, and 5% of the sample), or a NUL together with undecodable bytes (not
    UTF-8, or the U+FFFD an editor decoded them into). One stray NUL in UTF-8 code is a typo,
    analysed as usual."""
    sample = data[:BINARY_PROBE]
    # bytes.translate and count run in C at memory speed: a regex alternation took ~6 ms per 64 KiB
    count = len(sample) - len(sample.translate(None, _CONTROLS))
    count += sample.count(_REPLACEMENT) + len(_SURROGATE.findall(sample))
    if count >= 8 and count * 20 >= len(sample):
        return True
    if b"\0" not in sample:
        return False
    if _REPLACEMENT in sample:
        return True
    try:  # final=False: the sample may end inside a character
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return True
    return False


def problem_of(data: bytes, limit: int = MAX_FILE_BYTES) -> SourceProblem | None:
    """Whether these bytes are text Codie should analyse: the one check for every door (a
    file `codie check` reads, an editor buffer's UTF-8 bytes)."""
    if (problem := too_large(len(data), limit)) is not None:
        return problem
    if looks_binary(data):
        return SourceProblem(
            BINARY, "Not analysed: the content does not look like text (NUL, control or undecodable bytes)"
        )
    return None


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes | SourceProblem:
    """The file's bytes, or the reason not to analyse it. Never blocks on a FIFO, never
    reads more than limit + 1 bytes. OSError when the file cannot be opened."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if (problem := too_large(info.st_size, limit)) is not None:
            return problem
        data = fh.read(limit + 1)
    return problem_of(data, limit) or data


def decode(data: bytes, python: bool = True) -> str | SourceProblem:
    """Text of a source file: PEP 263 (BOM, coding cookie) for Python, else UTF-8."""
    encoding = "utf-8-sig"
    if python:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:  # an unknown encoding, or BOM and cookie disagree
            return SourceProblem(UNDECODABLE, f"Cannot decode: {exc}: not analysed")
    try:
        codecs.lookup(encoding)
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        where = f" at byte {exc.start}" if isinstance(exc, UnicodeDecodeError) else ""
        hint = (
            " (declare it with a `# -*- coding: ... -*-` line)" if python and encoding in ("utf-8", "utf-8-sig") else ""
        )
        return SourceProblem(UNDECODABLE, f"Not valid {encoding}{where}{hint}: not analysed")


def read_source(path: Path, limit: int = MAX_FILE_BYTES) -> str | SourceProblem:
    """read_bytes + decode. OSError when the file cannot be opened."""
    data = read_bytes(path, limit)
    if isinstance(data, SourceProblem):
        return data
    return decode(data, language_for(path.name) == "python")
